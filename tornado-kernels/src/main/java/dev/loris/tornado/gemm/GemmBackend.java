package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;

/**
 * One way of multiplying matrices, registered in {@link Gemms}: it says whether it can serve an accelerator
 * (and if not, why, for {@code loris devices}) and opens a {@link Gemm} there.
 */
public interface GemmBackend {

    /** Short name: "cublaslt", "clblast", "tiled", "jvm". */
    String id();

    /**
     * Null when this backend can serve {@code accelerator}, else the reason it cannot, with what to install
     * where that helps ("libcublasLt.so.13 not found: install the CUDA 12/13 math libraries").
     */
    String unavailableReason(Accelerator accelerator);

    /** Opens the backend on {@code accelerator}; call only when {@link #unavailableReason} is null. */
    Gemm open(Accelerator accelerator);
}
