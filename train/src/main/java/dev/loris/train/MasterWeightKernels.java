package dev.loris.train;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

/**
 * The kernel that writes f32 master weights into the weights a decoder multiplies with: the range
 * [offset, offset + n) of the flat master buffer into a whole weight array of the model's precision (f32: a
 * copy; bf16: rounded to nearest even, as torch's {@code .to(torch.bfloat16)}). Grid-stride: global = any
 * multiple of local.
 */
public final class MasterWeightKernels {
    private MasterWeightKernels() {
    }

    public static void copyOut(KernelContext ctx, FloatArray master, long offset, FloatingPointArray out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, master.get(offset + i));
        }
    }
}
