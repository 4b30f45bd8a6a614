package dev.loris.train.optim;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.kernels.BlockReductions;

/**
 * The optimizers' device kernels over one flat f32 buffer of trainable parameters and its gradients (llm.c's
 * habit: every trained tensor is a slice of one allocation, so one launch updates them all). Grid-stride
 * loops: global = any multiple of local (256 is good), each work-item strides over n.
 *
 * <p>{@link #adamW} follows torch.optim.AdamW (foreach=False) step by step, so the f32 results agree with
 * PyTorch's to rounding: decoupled weight decay p *= 1 - lr·wd first, then m = b1·m + (1 - b1)·g,
 * v = b2·v + (1 - b2)·g², p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps). The gradient is
 * multiplied by {@code gradScale} first (gradient-norm clipping's factor, 1 when not clipping).
 */
public final class OptimizerKernels {
    public static final int GROUP = 256;

    private OptimizerKernels() {
    }

    /** One AdamW step; biasCorrection1 = 1 - b1^t, biasCorrection2Sqrt = sqrt(1 - b2^t), t the step from 1. */
    public static void adamW(KernelContext ctx, FloatArray params, FloatArray grads, FloatArray m, FloatArray v,
                             float lr, float beta1, float beta2, float eps, float weightDecay, float gradScale,
                             float biasCorrection1, float biasCorrection2Sqrt, long n) {
        float stepSize = lr / biasCorrection1;
        float decay = 1f - lr * weightDecay;
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float g = grads.get(i) * gradScale;
            float p = params.get(i) * decay;
            float mi = beta1 * m.get(i) + (1f - beta1) * g;
            float vi = beta2 * v.get(i) + (1f - beta2) * g * g;
            m.set(i, mi);
            v.set(i, vi);
            float denominator = TornadoMath.sqrt(vi) / biasCorrection2Sqrt + eps;
            params.set(i, p - stepSize * (mi / denominator));
        }
    }

    /**
     * SGD as torch.optim.SGD: g' = g·gradScale + wd·p; with momentum mu > 0, buf = mu·buf + g' (buf = g' at the
     * first step: pass firstStep 1) and the step uses buf; p -= lr · (that).
     */
    public static void sgd(KernelContext ctx, FloatArray params, FloatArray grads, FloatArray momentumBuffer,
                           float lr, float momentum, float weightDecay, float gradScale, int firstStep, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float p = params.get(i);
            float g = grads.get(i) * gradScale + weightDecay * p;
            if (momentum > 0) {
                float b = firstStep != 0 ? g : momentum * momentumBuffer.get(i) + g;
                momentumBuffer.set(i, b);
                g = b;
            }
            params.set(i, p - lr * g);
        }
    }

    /**
     * Per work-group partial sums of squares of x (n) into partials (groups) f32, for the gradient's global
     * norm; the host adds the partials in double. Grid: global = groups · {@link #GROUP}, local = GROUP.
     */
    public static void sumOfSquares(KernelContext ctx, FloatArray x, FloatArray partials, long n) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        float sum = 0f;
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float value = x.get(i);
            sum += value * value;
        }
        float total = BlockReductions.sum(ctx, partial, sum);
        if (ctx.localIdx == 0) {
            partials.set(ctx.groupIdx, total);
        }
    }
}
