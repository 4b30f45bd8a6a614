package dev.loris.tornado.gemm.clblast;

import dev.loris.tornado.gemm.VendorBackend;
import dev.loris.tornado.runtime.Accelerator;

/** CLBlast as a GEMM backend ("clblast"): OpenCL devices, where libclblast loads. */
public final class ClBlastBackend extends VendorBackend<ClBlastLibrary> {

    public ClBlastBackend() {
        super("clblast", "CLBlast", Accelerator.Backend.OPENCL, ClBlastLibrary::loaded, ClBlastGemm::new);
    }
}
