package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.VendorBackend;
import dev.loris.tornado.runtime.Accelerator;

/** cuBLASLt as a GEMM backend ("cublaslt"): CUDA GPUs, where libcublasLt (CUDA 13 or 12) loads. */
public final class CublasLtBackend extends VendorBackend<CublasLtLibrary> {

    public CublasLtBackend() {
        super("cublaslt", "cuBLASLt", Accelerator.Backend.CUDA, CublasLtLibrary::loaded, CublasLtGemm::new);
    }
}
