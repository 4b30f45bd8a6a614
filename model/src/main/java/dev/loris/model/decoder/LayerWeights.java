package dev.loris.model.decoder;

import dev.loris.tornado.runtime.DeviceArray;

import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * One decoder layer's weights on the device, named as in Hugging Face checkpoints ({@code prefix} is
 * {@code model.layers.N.}). Norm weights (hidden) and, for Qwen3 and Gemma 3, the per-head q/k norms (head_dim) are
 * in the model's precision; qNorm and kNorm are null for other architectures. Gemma's layer has two more norms:
 * postAttentionNorm is then the norm of the attention's output (Llama's is the MLP's input norm), and
 * preFeedforwardNorm and postFeedforwardNorm wrap the MLP; both null for other architectures. The seven linear
 * modules are {@link Projection}s, so LoRA or quantisation can stand in for any of them.
 *
 * <p>Phi-3 fuses them as its checkpoints and PEFT name them: {@code q} is then {@code self_attn.qkv_proj} (out
 * heads*hd + 2*kvHeads*hd: q, k, v side by side in each row) with {@code k} and {@code v} null, and {@code gate} is
 * {@code mlp.gate_up_proj} (out 2*I: gate then up) with {@code up} null; see {@link #fused}.
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

    /**
     * The projections in checkpoint order: q, k, v, o, gate, up, down (seven); Phi-3's qkv, o, gate_up, down
     * (four).
     */
    public List<Projection> projections() {
        return Stream.of(q, k, v, o, gate, up, down).filter(Objects::nonNull).toList();
    }

    /** Whether Phi-3's fused modules stand in q (qkv_proj) and gate (gate_up_proj), k, v and up null. */
    public boolean fused() {
        return k == null;
    }

    /** The same layer with each projection replaced by {@code replace}'s answer (which may be itself). */
    public LayerWeights withProjections(UnaryOperator<Projection> replace) {
        UnaryOperator<Projection> each = p -> p == null ? null : replace.apply(p);
        return new LayerWeights(prefix, inputNorm, each.apply(q), each.apply(k), each.apply(v),
                each.apply(o), qNorm, kNorm, postAttentionNorm, each.apply(gate), each.apply(up),
                each.apply(down), preFeedforwardNorm, postFeedforwardNorm);
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
