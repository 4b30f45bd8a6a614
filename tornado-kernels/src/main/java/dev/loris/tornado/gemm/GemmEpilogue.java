package dev.loris.tornado.gemm;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

/**
 * The end of every Loris GEMM kernel, called (and inlined) from kernel code: one element of C as
 * {@link GemmShape} defines it, {@code fma(beta, c, alpha * acc) + bias} in f32, rounded once to C's type. Arrays
 * come in typed slots (f32, f16, bf16); a type code, a compile-time constant in the kernels, picks the one read.
 */
final class GemmEpilogue {
    /** Type codes: the order of {@link GemmType}. */
    static final int F32 = 0;
    static final int F16 = 1;
    static final int BF16 = 2;
    /** The bias type code of a GEMM without bias. */
    static final int NO_BIAS = 3;

    private GemmEpilogue() {
    }

    /**
     * Stores element {@code at} of C (column {@code col}, for the bias): scaled, plus beta * C only when beta is
     * not 0 (C may hold NaN then), plus the bias.
     */
    static void store(float acc, long at, int col, float alpha, float beta, int typeC, FloatArray cF32,
                      HalfFloatArray cF16, BFloat16Array cBf16, int typeBias, FloatArray biasF32,
                      HalfFloatArray biasF16, BFloat16Array biasBf16) {
        float value = alpha * acc;
        if (beta != 0f) {
            value = TornadoMath.fma(beta, load(typeC, cF32, cF16, cBf16, at), value);
        }
        if (typeBias != NO_BIAS) {
            value += load(typeBias, biasF32, biasF16, biasBf16, col);
        }
        if (typeC == F16) {
            cF16.setFloat(at, value);
        } else if (typeC == BF16) {
            cBf16.setFloat(at, value);
        } else {
            cF32.set(at, value);
        }
    }

    /** Element {@code i} of the slot {@code type} names, as f32. */
    static float load(int type, FloatArray f32, HalfFloatArray f16, BFloat16Array bf16, long i) {
        if (type == F16) {
            return f16.getFloat(i);
        }
        if (type == BF16) {
            return bf16.getFloat(i);
        }
        return f32.get(i);
    }
}
