package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

/**
 * What layers and projections compute with on one accelerator: its matrix multiply and the typed kernel
 * launchers, both on one stream.
 */
public record Compute(Gemm gemm, KernelLaunchers kernels) {
    public Accelerator accelerator() {
        return kernels.accelerator();
    }

    public DeviceStream stream() {
        return kernels.stream();
    }

    /** The GEMM operand type of an f32 or bf16 device array. */
    public static GemmType gemmType(DeviceArray array) {
        if (array.arrayType() == BFloat16Array.class) {
            return GemmType.BF16;
        }
        if (array.arrayType() == FloatArray.class) {
            return GemmType.F32;
        }
        throw new LorisException("a projection got " + array + ", neither f32 nor bf16",
                "give projections FloatArray or BFloat16Array device arrays");
    }
}
