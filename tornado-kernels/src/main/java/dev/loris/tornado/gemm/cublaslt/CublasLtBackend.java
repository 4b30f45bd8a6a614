package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmBackend;
import dev.loris.tornado.runtime.Accelerator;

/** cuBLASLt as a GEMM backend ("cublaslt"): CUDA GPUs, where libcublasLt (CUDA 13 or 12) loads. */
public final class CublasLtBackend implements GemmBackend {

    @Override
    public String id() {
        return "cublaslt";
    }

    @Override
    public String unavailableReason(Accelerator accelerator) {
        if (accelerator.backend() != Accelerator.Backend.CUDA) {
            return "cuBLASLt runs on CUDA GPUs; " + accelerator.spec() + " is not one";
        }
        return CublasLtLibrary.missingReason();
    }

    @Override
    public Gemm open(Accelerator accelerator) {
        String reason = unavailableReason(accelerator);
        if (reason != null) {
            throw new IllegalStateException("cublaslt cannot open on " + accelerator.spec() + ": " + reason);
        }
        return new CublasLtGemm(accelerator, CublasLtLibrary.instance());
    }
}
