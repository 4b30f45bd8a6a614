package dev.loris.model.decoder;

import dev.loris.tornado.runtime.DeviceArray;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One decoder layer's weights on the device, named as in Hugging Face checkpoints ({@code prefix} is
 * {@code model.layers.N.}). Norm weights (hidden) and, for Qwen3 and Gemma 3, the per-head q/k norms (head_dim) are
 * in the model's precision; qNorm and kNorm are null for other architectures. Gemma's layer has two more norms:
 * postAttentionNorm is then the norm of the attention's output (Llama's is the MLP's input norm), and
 * preFeedforwardNorm and postFeedforwardNorm wrap the MLP; both null for other architectures. The seven linear
 * modules are {@link Projection}s, so LoRA or quantisation can stand in for any of them.
 */
public record LayerWeights(String prefix, DeviceArray inputNorm, Projection q, Projection k, Projection v,
                           Projection o, DeviceArray qNorm, DeviceArray kNorm, DeviceArray postAttentionNorm,
                           Projection gate, Projection up, Projection down, DeviceArray preFeedforwardNorm,
                           DeviceArray postFeedforwardNorm) {
    /** A layer of a family with two norms per layer (Llama, Mistral, Qwen). */
    public LayerWeights(String prefix, DeviceArray inputNorm, Projection q, Projection k, Projection v, Projection o,
                        DeviceArray qNorm, DeviceArray kNorm, DeviceArray postAttentionNorm, Projection gate,
                        Projection up, Projection down) {
        this(prefix, inputNorm, q, k, v, o, qNorm, kNorm, postAttentionNorm, gate, up, down, null, null);
    }

    /** The seven projections in checkpoint order: q, k, v, o, gate, up, down. */
    public List<Projection> projections() {
        return List.of(q, k, v, o, gate, up, down);
    }

    /** The same layer with each projection replaced by {@code replace}'s answer (which may be itself). */
    public LayerWeights withProjections(UnaryOperator<Projection> replace) {
        return new LayerWeights(prefix, inputNorm, replace.apply(q), replace.apply(k), replace.apply(v),
                replace.apply(o), qNorm, kNorm, postAttentionNorm, replace.apply(gate), replace.apply(up),
                replace.apply(down), preFeedforwardNorm, postFeedforwardNorm);
    }

    String preFeedforwardNormName() {
        return prefix + "pre_feedforward_layernorm.weight";
    }

    String postFeedforwardNormName() {
        return prefix + "post_feedforward_layernorm.weight";
    }

    String inputNormName() {
        return prefix + "input_layernorm.weight";
    }

    String postAttentionNormName() {
        return prefix + "post_attention_layernorm.weight";
    }

    String qNormName() {
        return prefix + "self_attn.q_norm.weight";
    }

    String kNormName() {
        return prefix + "self_attn.k_norm.weight";
    }
}
