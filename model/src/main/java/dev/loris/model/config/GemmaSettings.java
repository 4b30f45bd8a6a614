package dev.loris.model.config;

import java.util.List;
import java.util.Objects;

/**
 * What Gemma 2 and Gemma 3 (text) add to a decoder's shape, read from config.json by {@link GemmaConfigReader}
 * with transformers' defaults (Gemma2Config, Gemma3TextConfig):
 *
 * <ul>
 * <li>attention scaled by {@code query_pre_attn_scalar^-0.5} instead of head_dim^-0.5;</li>
 * <li>attention scores soft-capped, {@code cap * tanh(score / cap)}, when {@code attn_logit_softcapping} is set
 *     (Gemma 2: 50), and the final logits likewise with {@code final_logit_softcapping} (Gemma 2: 30);</li>
 * <li>sliding-window attention on the layers {@code layer_types} marks "sliding_attention" (a key is visible when
 *     query - key &lt; sliding_window), the others global;</li>
 * <li>the sliding layers' RoPE base ({@code rope_local_base_freq}, or rope_parameters' "sliding_attention"), the
 *     global one being the config's rope_theta / scaling. Gemma 2 uses one base for both.</li>
 * </ul>
 *
 * @param attentionSoftCap      0 when scores are not capped
 * @param finalLogitSoftCap     0 when logits are not capped
 * @param slidingLayers         per layer, whether it attends within the window only
 */
public record GemmaSettings(double queryPreAttnScalar, double attentionSoftCap, double finalLogitSoftCap,
                            int slidingWindow, List<Boolean> slidingLayers, double localRopeTheta) {
    public GemmaSettings {
        slidingLayers = List.copyOf(Objects.requireNonNull(slidingLayers, "slidingLayers"));
    }

    /** Whether layer {@code layer} is a sliding-window layer. */
    public boolean isSliding(int layer) {
        return slidingLayers.get(layer);
    }

    /** The window of layer {@code layer} in tokens, 0 for a global layer (the kernels' "no window"). */
    public int windowOf(int layer) {
        return isSliding(layer) ? slidingWindow : 0;
    }

    /** The softmax scale, query_pre_attn_scalar^-0.5 as transformers computes it (double, then f32). */
    public float attentionScale() {
        return (float) Math.pow(queryPreAttnScalar, -0.5);
    }
}
