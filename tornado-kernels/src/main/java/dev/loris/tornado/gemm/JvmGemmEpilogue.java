package dev.loris.tornado.gemm;

import dev.loris.tornado.api.math.TornadoMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.loris.tornado.gemm.JvmGemmKernel.LANES;
import static dev.loris.tornado.gemm.JvmGemmKernel.SPECIES;
import static dev.loris.tornado.gemm.JvmGemmPacking.BITS16;
import static dev.loris.tornado.gemm.JvmGemmPacking.F32;

/**
 * The last step of a {@link JvmGemm} tile: {@code C = alpha * acc + beta * C + bias}, computed in f32 and
 * rounded to C's type once, round-to-nearest-even with the same bits as {@link TornadoMath#floatToHalf}
 * and {@link TornadoMath#floatToBfloat16} (those very methods). With beta = 0, C is never read, so it may
 * hold anything, NaN included. f32 C is written with vectors; f16 and bf16 element by element, which costs
 * little next to the k multiply-adds behind each element.
 */
final class JvmGemmEpilogue {
    private JvmGemmEpilogue() {
    }

    /**
     * Writes the {@code rows x cols} block whose f32 sums are in {@code acc} (rows {@code ldAcc} apart) to C
     * from element {@code c0} (rows {@code ldc} apart); {@code bias} is null or holds the block's n values
     * from {@code bias0}.
     */
    static void store(float[] acc, int ldAcc, int rows, int cols, float alpha, float beta, float[] bias,
                      int bias0, MemorySegment c, GemmType type, long c0, long ldc) {
        for (int r = 0; r < rows; r++) {
            int from = r * ldAcc;
            long to = c0 + r * ldc;
            if (type == GemmType.F32) {
                storeF32Row(acc, from, cols, alpha, beta, bias, bias0, c, to);
            } else {
                storeHalfRow(acc, from, cols, alpha, beta, bias, bias0, c, type, to);
            }
        }
    }

    private static void storeF32Row(float[] acc, int from, int cols, float alpha, float beta, float[] bias,
                                    int bias0, MemorySegment c, long to) {
        for (int j = 0; j < cols; j += LANES) {
            VectorMask<Float> inside = SPECIES.indexInRange(j, cols);
            FloatVector v = FloatVector.fromArray(SPECIES, acc, from + j, inside).mul(alpha);
            long bytes = (to + j) * F32.byteSize();
            if (beta != 0) {
                v = FloatVector.fromMemorySegment(SPECIES, c, bytes, ByteOrder.LITTLE_ENDIAN, inside)
                        .fma(FloatVector.broadcast(SPECIES, beta), v);
            }
            if (bias != null) {
                v = v.add(FloatVector.fromArray(SPECIES, bias, bias0 + j, inside));
            }
            v.intoMemorySegment(c, bytes, ByteOrder.LITTLE_ENDIAN, inside);
        }
    }

    private static void storeHalfRow(float[] acc, int from, int cols, float alpha, float beta, float[] bias,
                                     int bias0, MemorySegment c, GemmType type, long to) {
        boolean bf16 = type == GemmType.BF16;
        for (int j = 0; j < cols; j++) {
            float v = alpha * acc[from + j];
            if (beta != 0) {
                short old = c.getAtIndex(BITS16, to + j);
                v = Math.fma(beta, bf16 ? TornadoMath.bfloat16ToFloat(old) : TornadoMath.halfToFloat(old), v);
            }
            if (bias != null) {
                v += bias[bias0 + j];
            }
            c.setAtIndex(BITS16, to + j, bf16 ? TornadoMath.floatToBfloat16(v) : TornadoMath.floatToHalf(v));
        }
    }
}
