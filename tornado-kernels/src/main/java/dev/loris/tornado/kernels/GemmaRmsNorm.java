package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

/**
 * Gemma's RMSNorm, forward and backward: out = (x * inv) * (1 + w), inv = 1 / sqrt(mean(x^2) + eps), everything in
 * f32 and the output rounded once to its element type, as HF's GemmaRMSNorm ({@code self._norm(x.float()) * (1.0 +
 * self.weight.float())}, then {@code type_as(x)}). Llama's norm ({@link RmsNorm}) rounds x * inv to bf16 before the
 * product and multiplies by w itself; checkpoints store Gemma's w as an offset from 1 (zeros at initialisation).
 *
 * <p>Backward, autograd's f32 chain with g = dOut * (1 + w): dX_c = inv * g_c - x_c * inv^3 * sum_k(g_k x_k) / cols,
 * rounded once; dW_c = sum over rows of dOut_c * x_c * inv (f32, the gradient of w and of 1 + w alike). The
 * weight-gradient partials reduce through {@link RmsNormBackward#sumPartials}.
 *
 * <p>Grids as RmsNorm's and RmsNormBackward's: {@link #forward} and {@link #backward} one work-group per row
 * (global = {rows * L}, local = {L}, L a power of two at most 256); {@link #weightGradientPartials} a 2D grid
 * {cols rounded up to L, blocks} with local {L, 1}. Tolerances as RmsNorm's and RmsNormBackward's: the inverse RMS
 * within 4e-6 relative, outputs the chain above at some inverse RMS in that range; dX and dW within 2e-6 of the
 * magnitudes of their sums.
 */
public final class GemmaRmsNorm {
    private GemmaRmsNorm() {
    }

    /** One source for f32 and bf16 (FloatingPointArray); inverseRms (rows) f32 for the backward. */
    public static void forward(KernelContext ctx, FloatingPointArray x, FloatingPointArray weight,
                               FloatingPointArray out, FloatArray inverseRms, int cols, float eps) {
        float[] partial = ctx.allocateFloatLocalArray(RmsNorm.MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float squares = 0f;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            float v = x.getFloat(rowStart + c);
            squares += v * v;
        }
        float inv = RmsNorm.inverseRms(BlockReductions.sum(ctx, partial, squares), cols, eps);
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            out.setFloat(rowStart + c, x.getFloat(rowStart + c) * inv * (1f + weight.getFloat(c)));
        }
        if (ctx.localIdx == 0) {
            inverseRms.set(ctx.groupIdx, inv);
        }
    }

    /** dX (rows, cols) from dOut, one source for f32 and bf16; f32 maths, dX rounded once. */
    public static void backward(KernelContext ctx, FloatingPointArray x, FloatingPointArray weight,
                                FloatingPointArray dOut, FloatArray inverseRms, FloatingPointArray dX, int cols) {
        float[] partial = ctx.allocateFloatLocalArray(RmsNormBackward.MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * cols;
        float dot = 0f;
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            dot += dOut.getFloat(rowStart + c) * (1f + weight.getFloat(c)) * x.getFloat(rowStart + c);
        }
        float inv = inverseRms.get(ctx.groupIdx);
        float correction = RmsNormBackward.meanCorrection(inv, BlockReductions.sum(ctx, partial, dot), cols);
        for (int c = ctx.localIdx; c < cols; c += ctx.localGroupSizeX) {
            float g = dOut.getFloat(rowStart + c) * (1f + weight.getFloat(c));
            dX.setFloat(rowStart + c, inv * g - x.getFloat(rowStart + c) * correction);
        }
    }

    /** Per-column partial sums of dOut * x * inv (unrounded) over blocks of rowsPerBlock rows. */
    public static void weightGradientPartials(KernelContext ctx, FloatingPointArray x, FloatingPointArray dOut,
                                              FloatArray inverseRms, FloatArray partials, int rows, int cols,
                                              int rowsPerBlock) {
        RmsNormBackward.columnPartials(ctx, x, dOut, inverseRms, partials, rows, cols, rowsPerBlock, false);
    }
}
