package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * RMSNorm forward over the rows of a row-major (rows, cols) matrix, as Llama's: out = w * x / sqrt(mean(x^2)
 * + eps). Besides the output each kernel stores the row's inverse RMS, 1 / sqrt(mean(x^2) + eps), in f32:
 * the statistic the backward pass needs.
 *
 * <p>Written for GPU speed: one work-group per row; each work-item strides over the row (consecutive
 * work-items read consecutive elements, so loads coalesce), squaring and summing in f32 registers; one block
 * reduction; then a second strided pass writes the output. {@link #forward} is the plain form (f32 or bf16) (the row
 * is read twice, the second time mostly from cache); {@link #forwardBf16Packed} is tuned for bandwidth:
 * 8-byte accesses (four bf16 values) and the row kept in registers between the passes.
 *
 * <p>Grid: global = {rows * L}, local = {L}, L a power of two at most {@link #MAX_GROUP}; any cols from 1
 * (a multiple of 4 for the packed version); 256 is a good choice on GPUs.
 *
 * <p>Rounding matches Hugging Face's LlamaRMSNorm exactly: statistics in f32 (variance = sum / cols, then
 * rsqrt(variance + eps)); bf16 input: {@code h = x_f32 * inv} rounded to bf16 ({@code .to(input_dtype)}), then
 * {@code weight * h} as a bf16 product (f32 multiply, rounded to bf16); f32 input: {@code w * (x * inv)}.
 *
 * <p>Tolerance: the f32 sum is in a different order than any sequential loop and rsqrt is within 1 ulp (JVM,
 * PTX) or 2 ulp (OpenCL), so the inverse RMS is within 4e-6 relative of the exact one for rows up to ~10^4.
 * Outputs are then exactly the rounding chain above applied with some inverse RMS in that range.
 */
public final class RmsNorm {
    public static final int MAX_GROUP = 256;

    private RmsNorm() {
    }

    /**
     * {@link #forward} on bf16, reading and writing four bf16 values per 8-byte access: x, weight and out are
     * LongArray views of the bf16 data (see {@link SwiGlu#forwardBf16Packed}); cols must be a multiple of 4.
     * A row of at most {@code 16 * group} values (4096 with groups of 256) is read once: each work-item loads
     * its four longs at once and keeps them in registers until it writes the output. Longer rows are streamed
     * twice. The choice is the same for the whole grid, so no work-item diverges.
     */
    public static void forwardBf16Packed(KernelContext ctx, LongArray x, LongArray weight, LongArray out,
                                         FloatArray inverseRms, int cols, float eps) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        float inv;
        if (cols <= 16 * ctx.localGroupSizeX) {
            inv = rowInRegisters(ctx, partial, x, weight, out, cols, eps);
        } else {
            inv = rowStreamed(ctx, partial, x, weight, out, cols, eps);
        }
        if (ctx.localIdx == 0) {
            inverseRms.set(ctx.groupIdx, inv);
        }
    }

    /** The packed row, at most four longs per work-item, held in registers between the passes. */
    private static float rowInRegisters(KernelContext ctx, float[] partial, LongArray x, LongArray weight,
                                        LongArray out, int cols, float eps) {
        int packedCols = cols / 4;
        int group = ctx.localGroupSizeX;
        long rowStart = (long) ctx.groupIdx * packedCols;
        int c0 = ctx.localIdx;
        int c1 = c0 + group;
        int c2 = c1 + group;
        int c3 = c2 + group;
        long x0 = loadOrZero(x, rowStart, c0, packedCols); // (4 bf16) packed in a long, zero past the row
        long x1 = loadOrZero(x, rowStart, c1, packedCols);
        long x2 = loadOrZero(x, rowStart, c2, packedCols);
        long x3 = loadOrZero(x, rowStart, c3, packedCols);
        float squares = sumOfSquares(x0) + sumOfSquares(x1) + sumOfSquares(x2) + sumOfSquares(x3);
        float inv = inverseRms(BlockReductions.sum(ctx, partial, squares), cols, eps);
        storeNormalised(out, rowStart, c0, packedCols, x0, weight, inv);
        storeNormalised(out, rowStart, c1, packedCols, x1, weight, inv);
        storeNormalised(out, rowStart, c2, packedCols, x2, weight, inv);
        storeNormalised(out, rowStart, c3, packedCols, x3, weight, inv);
        return inv;
    }

    /** The packed row of any length, read twice (the second time mostly from cache). */
    private static float rowStreamed(KernelContext ctx, float[] partial, LongArray x, LongArray weight,
                                     LongArray out, int cols, float eps) {
        int packedCols = cols / 4;
        int group = ctx.localGroupSizeX;
        long rowStart = (long) ctx.groupIdx * packedCols;
        float squares = 0f;
        // Two loads per iteration, so each work-item has two 8-byte loads in flight, not one.
        for (int c = ctx.localIdx; c < packedCols; c += 2 * group) {
            squares += sumOfSquares(x.get(rowStart + c)) + sumOfSquares(loadOrZero(x, rowStart, c + group, packedCols));
        }
        float inv = inverseRms(BlockReductions.sum(ctx, partial, squares), cols, eps);
        for (int c = ctx.localIdx; c < packedCols; c += group) {
            out.set(rowStart + c, normalisePacked(x.get(rowStart + c), weight.get(c), inv));
        }
        return inv;
    }

    /** Element c of the row, or 0 past its end (zero bits are +0.0 values: they add nothing to the squares). */
    private static long loadOrZero(LongArray x, long rowStart, int c, int packedCols) {
        return c < packedCols ? x.get(rowStart + c) : 0L;
    }

    private static void storeNormalised(LongArray out, long rowStart, int c, int packedCols, long packed,
                                        LongArray weight, float inv) {
        if (c < packedCols) {
            out.set(rowStart + c, normalisePacked(packed, weight.get(c), inv));
        }
    }

    private static float sumOfSquares(long packed) {
        float sum = 0f;
        for (int shift = 0; shift < 64; shift += 16) {
            float v = SwiGlu.bf16At(packed, shift);
            sum += v * v;
        }
        return sum;
    }

    /** Four bf16 values of x and of the weight, packed in longs, through HF's chain. */
    private static long normalisePacked(long packed, long w, float inv) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 16) {
            short normalised = normaliseBf16(SwiGlu.bf16At(packed, shift), inv, SwiGlu.bf16At(w, shift));
            result |= (normalised & 0xFFFFL) << shift;
        }
        return result;
    }

    /**
     * One source for f32 and bf16 (FloatingPointArray): out = w * round(x * inv), the rounding being bf16's
     * ({@code .to(input_dtype)}) or none in f32, and the product rounded by the store.
     */
    public static void forward(KernelContext ctx, FloatingPointArray x, FloatingPointArray weight,
                               FloatingPointArray out, FloatArray inverseRms, int cols, float eps) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float squares = 0f;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            float v = x.getFloat(rowStart + c);
            squares += v * v;
        }
        float inv = inverseRms(BlockReductions.sum(ctx, partial, squares), cols, eps);
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            out.setFloat(rowStart + c, weight.getFloat(c) * out.round(x.getFloat(rowStart + c) * inv));
        }
        if (ctx.localIdx == 0) {
            inverseRms.set(ctx.groupIdx, inv);
        }
    }

    /** HF's statistic from a row's f32 sum of squares. */
    static float inverseRms(float sumSquares, int cols, float eps) {
        return TornadoMath.rsqrt(sumSquares / cols + eps);
    }

    /** HF's bf16 chain for one element, bf16(w * bf16(x * inv)), as bf16 bits. */
    private static short normaliseBf16(float x, float inv, float w) {
        float h = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(x * inv));
        return TornadoMath.floatToBfloat16(w * h);
    }
}
