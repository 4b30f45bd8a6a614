package dev.loris.tornado.gemm.clblast;

import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmBackend;
import dev.loris.tornado.runtime.Accelerator;

/** CLBlast as a GEMM backend ("clblast"): OpenCL devices, where libclblast loads. */
public final class ClBlastBackend implements GemmBackend {

    @Override
    public String id() {
        return "clblast";
    }

    @Override
    public String unavailableReason(Accelerator accelerator) {
        if (accelerator.backend() != Accelerator.Backend.OPENCL) {
            return "CLBlast runs on OpenCL devices; " + accelerator.spec() + " is not one";
        }
        return ClBlastLibrary.missingReason();
    }

    @Override
    public Gemm open(Accelerator accelerator) {
        String reason = unavailableReason(accelerator);
        if (reason != null) {
            throw new IllegalStateException("clblast cannot open on " + accelerator.spec() + ": " + reason);
        }
        return new ClBlastGemm(accelerator, ClBlastLibrary.instance());
    }
}
