package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

/**
 * RMSNorm backward for {@link RmsNorm}'s forward out = w * (x * inv), inv = 1 / sqrt(mean(x^2) + eps) the f32
 * statistic the forward stored per row. With g = dOut * w (the gradient reaching the normalised row):
 * <pre>
 *   dX_c = inv * g_c - x_c * inv^3 * sum_k(g_k * x_k) / cols      (= inv * (g - x_hat * mean(g * x_hat)),
 *                                                                     x_hat = x * inv)
 *   dW_c = sum over rows of dOut_c * h_c,  h = x * inv as the forward multiplied it by w
 * </pre>
 * The first form of dX is the order PyTorch's autograd evaluates HF's LlamaRMSNorm in (the direct path
 * dh * inv plus the path through rsqrt and the mean), in f32.
 *
 * <p>Rounding in bf16, as autograd does for HF's bf16 chain {@code w * (x.float() * inv).to(bf16)}: g is the
 * bf16 product bf16(dOut * w) (exact in f32, then rounded), the rest in f32 and dX rounded once to bf16;
 * h = bf16(x * inv), the value the forward multiplied by w. dW is f32 here: autograd would round each
 * product dOut * h to bf16 and the total to bf16 (a bf16 weight gets a bf16 gradient); we keep f32, which a
 * trainer with f32 master weights wants and the caller can round.
 *
 * <p>Kernels and grids:
 * <ul>
 * <li>{@link #backward} (f32 or bf16): dX, one work-group per row. global = {rows * L}, local = {L},
 *     L a power of two at most {@link #MAX_GROUP}; any cols from 1. Reads x, dOut and w twice per row (the
 *     second time mostly from cache), one block reduction.</li>
 * <li>{@link #weightGradientPartials} (f32 or bf16): per-column sums over a block of
 *     {@code rowsPerBlock} rows, into partials (blocks, cols) with blocks = ceil(rows / rowsPerBlock). 2D grid:
 *     global = {C, blocks}, local = {L, 1}, C = cols rounded up to a multiple of L; consecutive work-items
 *     own consecutive columns, so every row read coalesces. With blocks = 1 the partials are dW itself.</li>
 * <li>{@link #sumPartials}: dW_c = sum over blocks of partials, grid-stride over columns (global = {G},
 *     local = {L}, any G multiple of L).</li>
 * </ul>
 * No float atomics: every sum has a fixed order, so dW is the same bits on every run of a backend. On a GPU
 * choose rowsPerBlock so that cols * blocks is some 10^5 work-items (e.g. 64 to 256 rows per block).
 *
 * <p>Tolerance (see the test): dX within 2e-6 * (inv |g_c| + |x_c| inv^3 sum_k |g_k x_k| / cols) of the
 * exact value from the same inputs and inv (before the bf16 rounding), dW within 2e-6 * sum_r |dOut h|: f32
 * sums in a fixed order that differs from a sequential loop, measured below 2e-7 for rows of up to 4096
 * values and sums of up to 80 rows, so the bound holds with room for sums some 10 times longer.
 */
public final class RmsNormBackward {
    public static final int MAX_GROUP = 256;

    private RmsNormBackward() {
    }

    /** One source for f32 and bf16 (FloatingPointArray): g = round(dOut * w), bf16's rounding or none. */
    public static void backward(KernelContext ctx, FloatingPointArray x, FloatingPointArray weight,
                                FloatingPointArray dOut, FloatArray inverseRms, FloatingPointArray dX, int cols) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        int step = ctx.localGroupSizeX;
        float dot = 0f;
        int c = ctx.localIdx;
        // Two columns loaded before either is used, for more bytes in flight per warp; the same order of sums.
        for (; c + step < cols; c += 2 * step) {
            float g0 = weighted(dX, dOut, weight, rowStart, c);
            float x0 = x.getFloat(rowStart + c);
            float g1 = weighted(dX, dOut, weight, rowStart, c + step);
            float x1 = x.getFloat(rowStart + c + step);
            dot += g0 * x0;
            dot += g1 * x1;
        }
        for (; c < cols; c += step) {
            dot += weighted(dX, dOut, weight, rowStart, c) * x.getFloat(rowStart + c);
        }
        float inv = inverseRms.get(ctx.groupIdx);
        float correction = meanCorrection(inv, BlockReductions.sum(ctx, partial, dot), cols);
        for (c = ctx.localIdx; c + step < cols; c += 2 * step) {
            float g0 = weighted(dX, dOut, weight, rowStart, c);
            float x0 = x.getFloat(rowStart + c);
            float g1 = weighted(dX, dOut, weight, rowStart, c + step);
            float x1 = x.getFloat(rowStart + c + step);
            dX.setFloat(rowStart + c, inv * g0 - x0 * correction);
            dX.setFloat(rowStart + c + step, inv * g1 - x1 * correction);
        }
        for (; c < cols; c += step) {
            float g = weighted(dX, dOut, weight, rowStart, c);
            dX.setFloat(rowStart + c, inv * g - x.getFloat(rowStart + c) * correction);
        }
    }

    /** g = dOut * w of column c, rounded to dX's element type (bf16's product, or f32's). */
    private static float weighted(FloatingPointArray dX, FloatingPointArray dOut, FloatingPointArray weight,
                                  long rowStart, int c) {
        return dX.round(dOut.getFloat(rowStart + c) * weight.getFloat(c));
    }

    /** Per-column partial sums of dOut * h, h = round(x * inv) in x's element type. */
    public static void weightGradientPartials(KernelContext ctx, FloatingPointArray x, FloatingPointArray dOut,
                                              FloatArray inverseRms, FloatArray partials, int rows, int cols,
                                              int rowsPerBlock) {
        columnPartials(ctx, x, dOut, inverseRms, partials, rows, cols, rowsPerBlock, true);
    }

    /**
     * The partial sums of dOut * h over this work-item's block of rows, h = x * inv rounded to x's element type
     * when {@code roundNormalised} (Llama's chain) or not (Gemma's, {@link GemmaRmsNorm}).
     */
    static void columnPartials(KernelContext ctx, FloatingPointArray x, FloatingPointArray dOut, FloatArray inverseRms,
                               FloatArray partials, int rows, int cols, int rowsPerBlock, boolean roundNormalised) {
        int c = ctx.globalIdx;
        if (c < cols) {
            int first = ctx.globalIdy * rowsPerBlock;
            int end = TornadoMath.min(rows, first + rowsPerBlock);
            float sum = 0f;
            for (int r = first; r < end; r++) {
                long i = (long) r * cols + c;
                float h = x.getFloat(i) * inverseRms.get(r);
                sum += dOut.getFloat(i) * (roundNormalised ? x.round(h) : h);
            }
            partials.set((long) ctx.globalIdy * cols + c, sum);
        }
    }

    /**
     * dWeight[offset ..] (cols) f32 = the sum of the blocks' partials, added to what dWeight holds when
     * {@code accumulate} is 1: a trainer sums gradients over the micro-batches of an accumulation window. The
     * offset places the gradient in a flat buffer of many parameters (full fine-tuning).
     */
    public static void sumPartials(KernelContext ctx, FloatArray partials, FloatArray dWeight, long offset, int blocks,
                                   int cols, int accumulate) {
        for (int c = ctx.globalIdx; c < cols; c += ctx.globalGroupSizeX) {
            float sum = accumulate != 0 ? dWeight.get(offset + c) : 0f;
            for (int b = 0; b < blocks; b++) {
                sum += partials.get((long) b * cols + c);
            }
            dWeight.set(offset + c, sum);
        }
    }

    /** inv^3 * dot / cols: the factor of x in the gradient's path through the row's statistic. */
    static float meanCorrection(float inv, float dot, int cols) {
        return inv * inv * inv * dot / cols;
    }
}
