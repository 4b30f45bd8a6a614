package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * y = a * x + y in place, in f32 and in bf16 storage. Grid-stride loops over a long index, so any 1D grid
 * covers any length (global = {G}, local = {L}, G a multiple of L; a few waves of the device are enough).
 *
 * <p>Tolerance: exact on every backend. The multiply and the add round separately (no fused multiply-add:
 * the OpenCL emitter turns FP_CONTRACT off and PTX uses mul.rn/add.rn), exactly as Java does. The bf16
 * version widens x and y to f32, computes as above and rounds once to bf16, nearest-even, as
 * {@link BFloat16Array#setFloat} does.
 */
public final class Axpy {
    private Axpy() {
    }

    public static void axpy(KernelContext ctx, float a, FloatArray x, FloatArray y, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    public static void axpyBf16(KernelContext ctx, float a, BFloat16Array x, BFloat16Array y, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            y.setFloat(i, a * x.getFloat(i) + y.getFloat(i));
        }
    }

    public static float[] axpyReference(float a, float[] x, float[] y) {
        float[] result = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            result[i] = a * x[i] + y[i];
        }
        return result;
    }

    /** On raw bf16 bits. */
    public static short[] axpyBf16Reference(float a, short[] x, short[] y) {
        short[] result = new short[y.length];
        for (int i = 0; i < y.length; i++) {
            float sum = a * TornadoMath.bfloat16ToFloat(x[i]) + TornadoMath.bfloat16ToFloat(y[i]);
            result[i] = TornadoMath.floatToBfloat16(sum);
        }
        return result;
    }
}
