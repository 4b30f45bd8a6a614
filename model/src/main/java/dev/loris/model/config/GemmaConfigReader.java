package dev.loris.model.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The Gemma part of config.json ({@link GemmaSettings}), with Gemma2Config's and Gemma3TextConfig's defaults, and
 * the text_config of a multimodal gemma3 checkpoint. Layer types come from {@code layer_types} (transformers 5)
 * or, when absent, from the class rule: Gemma 2 alternates sliding and global starting with sliding; Gemma 3
 * makes every {@code sliding_window_pattern}-th layer (6 by default) global.
 */
final class GemmaConfigReader {
    static final String FULL_ATTENTION = "full_attention";
    static final String SLIDING_ATTENTION = "sliding_attention";
    private static final String GELU_TANH = "gelu_pytorch_tanh";

    private GemmaConfigReader() {
    }

    /** The object to read: a gemma3 checkpoint's text_config, or the config itself. */
    static ConfigJson textConfig(ConfigJson json) {
        if (!json.has("model_type")
                || !Architecture.GEMMA3_MULTIMODAL.equals(json.stringOr("model_type", null))) {
            return json;
        }
        ConfigJson text = json.objectOrNull("text_config");
        if (text == null) {
            throw json.error("text_config is missing from this gemma3 config",
                    "Loris trains the text part of Gemma 3; the checkpoint's config.json should carry text_config");
        }
        if (text.has("model_type") && !Architecture.GEMMA3_TEXT.modelType().equals(text.stringOr("model_type", null))) {
            throw text.error("model_type is '" + text.stringOr("model_type", null) + "'",
                    "a gemma3 checkpoint's text_config is a gemma3_text config");
        }
        return text;
    }

    /** hidden_activation (or hidden_act): Gemma's GeGLU takes the tanh-approximate GELU only. */
    static String hiddenActivation(ConfigJson json) {
        String act = json.has("hidden_activation") ? json.stringOr("hidden_activation", GELU_TANH)
                : json.stringOr("hidden_act", GELU_TANH);
        if (!GELU_TANH.equals(act)) {
            throw json.error("hidden_activation = '" + act + "' is not supported",
                    "Loris implements Gemma's GeGLU with the tanh-approximate GELU ('" + GELU_TANH + "'), "
                            + "what every released Gemma 2 and 3 uses");
        }
        return act;
    }

    /** Gemma's settings; {@code ropeTheta} is the global layers' base (Gemma 2's sliding layers share it). */
    static GemmaSettings read(ConfigJson json, Architecture architecture, int layers, double ropeTheta) {
        boolean gemma2 = architecture == Architecture.GEMMA2;
        if (json.booleanOr("use_bidirectional_attention", false)) {
            throw json.error("use_bidirectional_attention = true is not supported",
                    "Loris trains causal language models; this is an embedding model's config");
        }
        double scalar = json.doubleOr("query_pre_attn_scalar", 256);
        if (!(scalar > 0 && Double.isFinite(scalar))) {
            throw json.error("query_pre_attn_scalar = " + scalar + " must be a finite positive number",
                    "use the checkpoint's value (head_dim or hidden_size / num_attention_heads)");
        }
        double attentionCap = softCap(json, "attn_logit_softcapping", gemma2 ? 50.0 : 0);
        double finalCap = softCap(json, "final_logit_softcapping", gemma2 ? 30.0 : 0);
        int window = json.isExplicitNull("sliding_window") ? 0
                : ModelConfigReader.positive(json, "sliding_window", json.intOr("sliding_window", 4096));
        List<Boolean> sliding = slidingLayers(json, gemma2, layers);
        if (window == 0 && sliding.contains(true)) {
            throw json.error("sliding_window is null while layers are sliding_attention",
                    "set sliding_window to the checkpoint's window (Gemma 2: 4096, Gemma 3: 512 or 1024)");
        }
        return new GemmaSettings(scalar, attentionCap, finalCap, window, sliding,
                gemma2 ? ropeTheta : localRopeTheta(json));
    }

    /** A cap, 0 when null (transformers' "no capping"), the class default when absent. */
    private static double softCap(ConfigJson json, String key, double fallback) {
        if (json.isExplicitNull(key)) {
            return 0;
        }
        double cap = json.doubleOr(key, fallback);
        if (!(cap >= 0 && Double.isFinite(cap))) {
            throw json.error(key + " = " + cap + " must be a finite positive number, or null for none",
                    "use the checkpoint's value");
        }
        return cap;
    }

    private static List<Boolean> slidingLayers(ConfigJson json, boolean gemma2, int layers) {
        List<String> types = json.stringList("layer_types");
        List<Boolean> sliding = new ArrayList<>(layers);
        if (!types.isEmpty()) {
            if (types.size() != layers) {
                throw json.error("layer_types has " + types.size() + " entries for " + layers + " layers",
                        "give one type per layer (num_hidden_layers)");
            }
            for (String type : types) {
                if (!type.equals(SLIDING_ATTENTION) && !type.equals(FULL_ATTENTION)) {
                    throw json.error("layer_types holds '" + type + "'",
                            "Gemma's layers are '" + SLIDING_ATTENTION + "' or '" + FULL_ATTENTION + "'");
                }
                sliding.add(type.equals(SLIDING_ATTENTION));
            }
            return sliding;
        }
        int pattern = gemma2 ? 2 : ModelConfigReader.positive(json, "sliding_window_pattern",
                json.intOr("sliding_window_pattern", 6));
        for (int layer = 0; layer < layers; layer++) {
            sliding.add((layer + 1) % pattern != 0);
        }
        return sliding;
    }

    /** Gemma 3's sliding layers' base: rope_parameters' sliding_attention entry, else rope_local_base_freq. */
    private static double localRopeTheta(ConfigJson json) {
        ConfigJson params = json.objectOrNull("rope_parameters");
        ConfigJson local = params == null ? null : params.objectOrNull(SLIDING_ATTENTION);
        if (local != null) {
            String type = local.stringOr("rope_type", "default");
            if (!type.equals("default")) {
                throw local.error("rope_type = '" + type + "' is not supported for the sliding layers",
                        "Gemma 3 rotates its sliding layers with plain RoPE; compare with the original config.json");
            }
            return local.doubleOr("rope_theta", 10_000.0);
        }
        return json.doubleOr("rope_local_base_freq", 10_000.0);
    }
}
