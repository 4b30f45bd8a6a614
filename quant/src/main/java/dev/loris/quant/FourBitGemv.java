package dev.loris.quant;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * y (rows, out) bf16 = x (rows, in) bf16 · Wᵀ for a bitsandbytes 4-bit weight W (out, in), the weight never written
 * out in bf16: the decoding steps of a QLoRA model read half a byte per weight instead of the dequantised copy's
 * two written and two read. One warp per output feature o walks W's packed row o, 16 codes (one long, one absmax
 * block) a lane a step, and multiplies them with the same 16 columns of every row of x (read as longs, four bf16
 * each; x is small and every warp reads it, so it stays in cache).
 *
 * <p>Rounding: each weight is dequantised as {@link FourBitDequantize} does (code * absmax in f32, rounded once to
 * bf16), its product with x is exact in f32, the sums are f32 (each lane's in order, then the warp's shuffle
 * tree), and y is rounded once to bf16: dequantise-then-GEMM's maths, summed in another order.
 *
 * <p>Limits: {@code in} a multiple of 16 (a lane's 16 codes then share one absmax block, blocksizes being
 * multiples of 32), at most {@link #MAX_ROWS} rows a launch (the launcher splits more). Grid: global =
 * ceil(out / (L / 32)) * L, local = L, a multiple of 32. Constants as in FourBitDequantize:
 * {@link #CONSTANT_BLOCK_SHIFT}, {@link #CONSTANT_NESTED}, {@link #CONSTANT_FP4}.
 */
public final class FourBitGemv {
    /** Rows of x one launch multiplies: a decoding step's sequences. */
    public static final int MAX_ROWS = 8;
    public static final int CONSTANT_BLOCK_SHIFT = 11;
    public static final int CONSTANT_NESTED = 12;
    public static final int CONSTANT_FP4 = 13;
    private static final int CODES_PER_LONG = 16;

    private FourBitGemv() {
    }

    /** {@code packed}: the codes seen as longs; {@code x}: (rows, in) bf16 seen as longs (four values each). */
    public static void multiplyBf16(KernelContext ctx, LongArray packed, ByteArray absmaxCodes, FloatArray absmax,
                                    FloatArray nestedCode, float offset, LongArray x, BFloat16Array y, int rows,
                                    int in, int out, int blockShift, boolean nested, boolean fp4) {
        float[] weights = new float[CODES_PER_LONG];   // this step's 16 dequantised weights of row o
        float[] sums = new float[MAX_ROWS];            // this lane's partial dot products, one per row of x
        int o = ctx.groupIdx * (ctx.localGroupSizeX / KernelContext.WARP_SIZE) + ctx.localIdx / KernelContext.WARP_SIZE;
        int lane = ctx.localIdx % KernelContext.WARP_SIZE;
        for (int r = 0; r < MAX_ROWS; r++) {
            sums[r] = 0f;
        }
        int longsPerRow = in / CODES_PER_LONG;
        long rowStart = (long) o * longsPerRow;
        int steps = o < out ? longsPerRow : 0;                 // a warp past the last feature sums nothing
        for (int j = lane; j < steps; j += KernelContext.WARP_SIZE) {
            long bits = packed.get(rowStart + j);
            long first = (rowStart + j) * CODES_PER_LONG;      // the flat index of the long's first code
            float scale = FourBitDequantize.blockAbsmax(absmaxCodes, absmax, nestedCode, offset, first >> blockShift,
                    nested);
            for (int b = 0; b < CODES_PER_LONG / 2; b++) {      // byte b: codes 2b (high nibble) and 2b + 1
                int codes = (int) (bits >>> (8 * b)) & 0xFF;
                weights[2 * b] = y.round(FourBitDequantize.codeValue(codes >> 4, fp4) * scale);
                weights[2 * b + 1] = y.round(FourBitDequantize.codeValue(codes & 15, fp4) * scale);
            }
            for (int r = 0; r < MAX_ROWS; r++) {
                if (r < rows) {
                    long at = (long) r * (in / 4) + (long) j * 4; // 4 longs: columns 16j .. 16j + 15
                    float sum = sums[r];
                    for (int q = 0; q < 4; q++) {
                        long quad = x.get(at + q);
                        for (int e = 0; e < 4; e++) {
                            sum += weights[4 * q + e] * bf16At(quad, e);
                        }
                    }
                    sums[r] = sum;
                }
            }
        }
        for (int r = 0; r < MAX_ROWS; r++) {                    // every work-item takes part in the shuffles
            float total = ctx.simdSum(sums[r]);
            if (lane == 0 && r < rows && o < out) {
                y.setFloat((long) r * out + o, total);
            }
        }
    }

    /** Value {@code e} (0..3, the lowest 16 bits first) of four bf16 packed in a long, as f32. */
    private static float bf16At(long quad, int e) {
        return Float.intBitsToFloat((int) ((quad >>> (16 * e)) & 0xFFFF) << 16);
    }
}
