package dev.loris.gguf.export;

import dev.loris.model.config.Architecture;
import dev.loris.model.config.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hugging Face tensor names of a Llama / Mistral / Qwen2 / Qwen3 / Gemma 2 / Gemma 3 / Phi-3 decoder and their GGUF
 * names (gguf-py's tensor_mapping.py), in the order Loris writes them: embeddings, each layer, final norm, output.
 * Gemma's norms around the attention and MLP are attn_norm, post_attention_norm, ffn_norm (pre_feedforward) and
 * post_ffw_norm; Phi-3's fused modules keep their fusion (attn_qkv; gate_up_proj is ffn_up, gate first, which
 * llama.cpp's fused SwiGLU splits in the same order).
 */
public final class TensorNames {
    private TensorNames() {
    }

    /** The GGUF architecture name: Mistral runs as llama in llama.cpp. */
    public static String architecture(ModelConfig config) {
        return switch (config.architecture()) {
            case LLAMA, MISTRAL -> "llama";
            case QWEN2 -> "qwen2";
            case QWEN3 -> "qwen3";
            case GEMMA2 -> "gemma2";
            case GEMMA3_TEXT -> "gemma3";
            case PHI3 -> "phi3";
        };
    }

    /** Whether q/k rows are permuted for llama.cpp's ROPE_NORM (only the llama architecture). */
    public static boolean permutesQk(ModelConfig config) {
        return architecture(config).equals("llama");
    }

    /** HF name to GGUF name of every tensor the config implies; the output only when not tied. */
    public static Map<String, String> expected(ModelConfig config, boolean hasLmHead) {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("model.embed_tokens.weight", "token_embd.weight");
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String hf = "model.layers." + l + ".";
            String gg = "blk." + l + ".";
            names.put(hf + "input_layernorm.weight", gg + "attn_norm.weight");
            if (config.hasFusedProjections()) {
                names.put(hf + "self_attn.qkv_proj.weight", gg + "attn_qkv.weight");
            }
            for (String p : config.hasFusedProjections() ? new String[0] : new String[] {"q", "k", "v"}) {
                names.put(hf + "self_attn." + p + "_proj.weight", gg + "attn_" + p + ".weight");
                if (config.qkvBias()) {
                    names.put(hf + "self_attn." + p + "_proj.bias", gg + "attn_" + p + ".bias");
                }
            }
            names.put(hf + "self_attn.o_proj.weight", gg + "attn_output.weight");
            if (config.outputProjectionBias()) {
                names.put(hf + "self_attn.o_proj.bias", gg + "attn_output.bias");
            }
            if (config.hasQkNorm()) {
                names.put(hf + "self_attn.q_norm.weight", gg + "attn_q_norm.weight");
                names.put(hf + "self_attn.k_norm.weight", gg + "attn_k_norm.weight");
            }
            if (config.isGemma()) {
                names.put(hf + "post_attention_layernorm.weight", gg + "post_attention_norm.weight");
                names.put(hf + "pre_feedforward_layernorm.weight", gg + "ffn_norm.weight");
                names.put(hf + "post_feedforward_layernorm.weight", gg + "post_ffw_norm.weight");
            } else {
                names.put(hf + "post_attention_layernorm.weight", gg + "ffn_norm.weight");
            }
            if (config.hasFusedProjections()) {
                names.put(hf + "mlp.gate_up_proj.weight", gg + "ffn_up.weight");
            } else {
                names.put(hf + "mlp.gate_proj.weight", gg + "ffn_gate.weight");
                names.put(hf + "mlp.up_proj.weight", gg + "ffn_up.weight");
            }
            names.put(hf + "mlp.down_proj.weight", gg + "ffn_down.weight");
        }
        names.put("model.norm.weight", "output_norm.weight");
        if (hasLmHead && !config.tieWordEmbeddings()) {
            names.put("lm_head.weight", "output.weight");
        }
        return names;
    }

    /**
     * Whether a tensor is stored with 1 added: Gemma's (1 + w) norms, which llama.cpp multiplies by as they are
     * (convert_hf_to_gguf.py adds 1 to every Gemma norm weight, the q/k norms included).
     */
    static boolean addsOne(ModelConfig config, String hfName) {
        return config.isGemma() && hfName.endsWith("norm.weight");
    }

    /** The layer of a GGUF name ("blk.7.attn_v.weight" → 7), -1 for tensors outside the layers. */
    static int layerOf(String ggufName) {
        if (!ggufName.startsWith("blk.")) {
            return -1;
        }
        return Integer.parseInt(ggufName.substring(4, ggufName.indexOf('.', 4)));
    }

    /** Heads for the Q/K permutation of HF tensor {@code hfName}, or 0 when it is not permuted. */
    static int permutationHeads(ModelConfig config, String hfName) {
        if (!permutesQk(config)) {
            return 0;
        }
        if (hfName.contains("self_attn.q_proj.")) {
            return config.numAttentionHeads();
        }
        if (hfName.contains("self_attn.k_proj.")) {
            return config.numKeyValueHeads();
        }
        return 0;
    }
}
