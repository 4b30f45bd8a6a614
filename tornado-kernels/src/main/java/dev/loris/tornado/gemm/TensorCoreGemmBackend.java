package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.NativeHandles;
import dev.loris.tornado.runtime.cuda.CudaDeviceProperties;

/**
 * The "tensorcore" backend: {@link TensorCoreGemm} on CUDA GPUs of compute capability 8.0 (Ampere) and newer,
 * the vendor-free path after cuBLASLt. Elsewhere its tiles run through the portable lowering (warp shuffles),
 * slower than the tiled kernel, so it is not offered there; tests open {@link TensorCoreGemm} directly.
 */
public final class TensorCoreGemmBackend implements GemmBackend {
    @Override
    public String id() {
        return "tensorcore";
    }

    @Override
    public String unavailableReason(Accelerator accelerator) {
        if (accelerator.backend() != Accelerator.Backend.CUDA) {
            return "the tensor-core kernel runs on CUDA GPUs; " + accelerator.spec() + " is not one";
        }
        CudaDeviceProperties device = NativeHandles.cudaDeviceProperties(accelerator);
        if (device.computeCapabilityMajor() < 8) {
            return "the tensor-core kernel needs compute capability 8.0 (Ampere) or newer; " + device.name()
                    + " has " + device.computeCapabilityMajor() + "." + device.computeCapabilityMinor();
        }
        return null;
    }

    @Override
    public Gemm open(Accelerator accelerator) {
        return new TensorCoreGemm(accelerator);
    }
}
