package dev.loris.train.optim;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.kernels.BlockReductions;

/**
 * The optimizers' device kernels over one flat f32 buffer of trainable parameters and its gradients (llm.c's
 * habit: every trained tensor is a slice of one allocation, so one launch updates them all). Grid-stride
 * loops: global = any multiple of local (256 is good), each work-item strides over n. A parameter group is the
 * range [offset, offset + n) of the flat parameter and gradient buffers; the optimizer's own state (m, v, ...)
 * is indexed from 0.
 *
 * <p>{@link #adamW} follows torch.optim.AdamW (foreach=False) step by step, so the f32 results agree with
 * PyTorch's to rounding: decoupled weight decay p *= 1 - lr·wd first, then m = b1·m + (1 - b1)·g,
 * v = b2·v + (1 - b2)·g², p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps). The gradient is
 * multiplied by {@code gradScale} first (gradient-norm clipping's factor, 1 when not clipping).
 *
 * <p>{@link #adamW8bit} is the same update with m and v stored as bitsandbytes' blockwise 8-bit states (see its
 * comment and {@link DynamicMap}).
 */
public final class OptimizerKernels {
    public static final int GROUP = 256;
    /** Elements per 8-bit state block (one absmax each), bitsandbytes' block size for its blockwise optimizers. */
    public static final int BLOCK = 256;
    /** Where the unsigned map starts in the 8-bit kernel's map array. */
    private static final int UNSIGNED = 256;

    private OptimizerKernels() {
    }

    /** One AdamW step; biasCorrection1 = 1 - b1^t, biasCorrection2Sqrt = sqrt(1 - b2^t), t the step from 1. */
    public static void adamW(KernelContext ctx, FloatArray params, FloatArray grads, long offset, FloatArray m,
                             FloatArray v, float lr, float beta1, float beta2, float eps, float weightDecay,
                             float gradScale, float biasCorrection1, float biasCorrection2Sqrt, long n) {
        float stepSize = lr / biasCorrection1;
        float decay = 1f - lr * weightDecay;
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float g = grads.get(offset + i) * gradScale;
            float p = params.get(offset + i) * decay;
            float mi = beta1 * m.get(i) + (1f - beta1) * g;
            float vi = beta2 * v.get(i) + (1f - beta2) * g * g;
            m.set(i, mi);
            v.set(i, vi);
            float denominator = TornadoMath.sqrt(vi) / biasCorrection2Sqrt + eps;
            params.set(offset + i, p - stepSize * (mi / denominator));
        }
    }

    /**
     * One AdamW step with 8-bit states, as bitsandbytes' blockwise 8-bit Adam: m and v of block b (elements
     * [256b, 256b + 256)) are {@code map1[codes1[i]] · absmax1[b]} and {@code map2[codes2[i]] · absmax2[b]}
     * (signed and unsigned {@link DynamicMap}s; codes and absmax 0 at the start, so the states start at 0).
     * The maps are one array: the signed at [0, 256), the unsigned at [256, 512). Per block: dequantise, update m and v in f32 exactly as {@link #adamW} does, update the parameters from
     * the f32 m and v, then store each block's new max |m| and max v as its absmax and each value's nearest map
     * entry to value / absmax; a negative m keeps a negative code (bitsandbytes' sign fix), so a small negative
     * momentum never rounds to 0 or flips. Weight decay comes first, as in torch's AdamW (bitsandbytes decays
     * after the step: a difference of order lr²·wd).
     *
     * <p>Grid: local = {@link #BLOCK} (exactly), global = any multiple of it; each work-group strides over the
     * blocks, one element per work-item; both block maxima come from one tree reduction in local memory.
     */
    public static void adamW8bit(KernelContext ctx, FloatArray params, FloatArray grads, long offset,
                                 ByteArray codes1, ByteArray codes2, FloatArray absmax1, FloatArray absmax2,
                                 FloatArray maps, float lr, float beta1, float beta2, float eps,
                                 float weightDecay, float gradScale, float biasCorrection1, float biasCorrection2Sqrt,
                                 long n) {
        float[] partial = ctx.allocateFloatLocalArray(2 * BLOCK);
        float stepSize = lr / biasCorrection1;
        float decay = 1f - lr * weightDecay;
        long blocks = (n + BLOCK - 1) / BLOCK;
        int groups = ctx.globalGroupSizeX / ctx.localGroupSizeX;
        for (long block = ctx.groupIdx; block < blocks; block += groups) {
            long i = block * BLOCK + ctx.localIdx;
            float mi = 0f;
            float vi = 0f;
            if (i < n) {
                float g = grads.get(offset + i) * gradScale;
                float p = params.get(offset + i) * decay;
                mi = beta1 * (maps.get(codes1.get(i) & 0xFF) * absmax1.get(block)) + (1f - beta1) * g;
                vi = beta2 * (maps.get(UNSIGNED + (codes2.get(i) & 0xFF)) * absmax2.get(block)) + (1f - beta2) * g * g;
                float denominator = TornadoMath.sqrt(vi) / biasCorrection2Sqrt + eps;
                params.set(offset + i, p - stepSize * (mi / denominator));
            }
            // both block maxima in one tree: |m| in partial[0 .. BLOCK), v in partial[BLOCK ..)
            int lid = ctx.localIdx;
            partial[lid] = TornadoMath.abs(mi);
            partial[BLOCK + lid] = vi;
            for (int stride = BLOCK / 2; stride > 0; stride = stride / 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    partial[lid] = TornadoMath.max(partial[lid], partial[lid + stride]);
                    partial[BLOCK + lid] = TornadoMath.max(partial[BLOCK + lid], partial[BLOCK + lid + stride]);
                }
            }
            ctx.localBarrier();
            float maxM = partial[0];
            float maxV = partial[BLOCK];
            ctx.localBarrier();
            if (ctx.localIdx == 0) {
                absmax1.set(block, maxM);
                absmax2.set(block, maxV);
            }
            if (i < n) {
                int c1 = nearest(maps, 0, maxM > 0f ? mi / maxM : 0f);
                if (mi < 0f && maps.get(c1) >= 0f) {
                    c1 = c1 - 1;
                }
                codes1.set(i, (byte) c1);
                codes2.set(i, (byte) nearest(maps, UNSIGNED, maxV > 0f ? vi / maxV : 0f));
            }
        }
    }

    /**
     * The index of the value nearest x (the lower one on a tie) in the ascending 256-entry map at
     * {@code maps[start ..]}, by bisection, as {@link DynamicMap#nearest}.
     */
    private static int nearest(FloatArray maps, int start, float x) {
        int index = 0;
        for (int step = 128; step > 0; step = step / 2) {
            if (maps.get(start + index + step) <= x) {
                index = index + step;
            }
        }
        if (index < 255 && maps.get(start + index + 1) - x < x - maps.get(start + index)) {
            index = index + 1;
        }
        return index;
    }

    /**
     * SGD as torch.optim.SGD: g' = g·gradScale + wd·p; with momentum mu > 0, buf = mu·buf + g' (buf = g' at the
     * first step: pass firstStep 1) and the step uses buf; p -= lr · (that).
     */
    public static void sgd(KernelContext ctx, FloatArray params, FloatArray grads, long offset,
                           FloatArray momentumBuffer, float lr, float momentum, float weightDecay, float gradScale,
                           int firstStep, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float p = params.get(offset + i);
            float g = grads.get(offset + i) * gradScale + weightDecay * p;
            if (momentum > 0) {
                float b = firstStep != 0 ? g : momentum * momentumBuffer.get(i) + g;
                momentumBuffer.set(i, b);
                g = b;
            }
            params.set(offset + i, p - lr * g);
        }
    }

    /**
     * Per work-group partial sums of squares of x[offset ..] (n) into partials (groups) f32, for the gradient's
     * global norm; the host adds the partials in double. Grid: global = groups · L, local = L, L a power of two
     * up to {@link #GROUP} (GROUP on devices; the JVM takes 1).
     */
    public static void sumOfSquares(KernelContext ctx, FloatArray x, long offset, FloatArray partials, long n) {
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        float sum = 0f;
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float value = x.get(offset + i);
            sum += value * value;
        }
        float total = BlockReductions.sum(ctx, partial, sum);
        if (ctx.localIdx == 0) {
            partials.set(ctx.groupIdx, total);
        }
    }
}
