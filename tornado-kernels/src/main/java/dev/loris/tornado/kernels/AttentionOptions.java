package dev.loris.tornado.kernels;

import dev.loris.LorisException;

/**
 * How an attention call scores its keys beyond the causal, per-sequence mask of {@link AttentionShape}: the softmax
 * scale, a sliding window and logit soft-capping (Gemma). The CUDA-core kernels (AttentionForward, AttentionBackward,
 * AttentionDecode) and the tensor-core ones (FlashAttention, FlashAttentionBackward) take all three; the split-K
 * decode kernel (FlashDecoding) takes only the scale, so {@link KernelLaunchers} decodes with AttentionDecode
 * whenever a window or a cap is set, and keeps soft-capped training on the CUDA-core kernels (see
 * KernelLaunchers#tensorCoreAttention).
 *
 * @param scale   the factor of q.k (1 / sqrt(head_dim) for Llama, query_pre_attn_scalar^-0.5 for Gemma)
 * @param window  query t sees key s only when t - s &lt; window; 0 for no window
 * @param softCap scores become softCap * tanh(score / softCap); 0 for none
 */
public record AttentionOptions(float scale, int window, float softCap) {
    public AttentionOptions {
        if (!(scale > 0 && Float.isFinite(scale)) || window < 0 || !(softCap >= 0 && Float.isFinite(softCap))) {
            throw new LorisException("attention options scale " + scale + ", window " + window + ", soft-cap "
                    + softCap, "the scale must be positive, the window and the cap 0 (none) or positive");
        }
    }

    /** Hugging Face's default: 1 / sqrt(headDim), no window, no cap. */
    public static AttentionOptions defaults(int headDim) {
        return new AttentionOptions((float) (1 / Math.sqrt(headDim)), 0, 0f);
    }

    /** Whether the window or the cap is set, which the split-K decode kernel does not compute. */
    public boolean masksOrCaps() {
        return window != 0 || softCap != 0f;
    }
}
