package dev.loris.quant;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * Device dequantisation of LLM.int8 row-wise weights to bf16: value (r, c) = (q * SCB[r]) * float32(1/127)
 * (int8_vectorwise_dequant: two float32 roundings), then one rounding to bf16. Exact on every backend.
 *
 * <p>Grids: grid-stride, global = {G}, local = {L}, any G multiple of L.
 */
public final class Int8Dequantize {
    private Int8Dequantize() {
    }

    /** @param codes (rows, cols) i8; scb (rows) f32; out (rows, cols) bf16; n = rows * cols */
    public static void dequantizeBf16(KernelContext ctx, ByteArray codes, FloatArray scb, BFloat16Array out, long n,
                                      int cols) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, codes.get(i) * scb.get(i / cols) * Int8Tensor.INVERSE_127);
        }
    }

    /**
     * Four values per step: {@code codes} seen as an IntArray, {@code out} as a LongArray (views of the same
     * memory); {@code quads} = n / 4 and {@code quadsPerRow} = cols / 4, so cols must be a multiple of 4.
     */
    public static void dequantizeBf16Packed(KernelContext ctx, IntArray codes, FloatArray scb, LongArray out,
                                            long quads, int quadsPerRow) {
        for (long k = ctx.globalIdx; k < quads; k += ctx.globalGroupSizeX) {
            int four = codes.get(k);
            float scale = scb.get(k / quadsPerRow);
            long result = 0;
            for (int b = 0; b < 4; b++) {
                float value = (byte) (four >> (8 * b)) * scale * Int8Tensor.INVERSE_127;
                result |= (TornadoMath.floatToBfloat16(value) & 0xFFFFL) << (16 * b);
            }
            out.set(k, result);
        }
    }
}
