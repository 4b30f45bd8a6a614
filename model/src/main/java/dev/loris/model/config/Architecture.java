package dev.loris.model.config;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The decoder families Loris reads from config.json, keyed by its {@code model_type}, with the defaults
 * transformers' configuration classes use for keys a config.json leaves out (LlamaConfig, MistralConfig,
 * Qwen2Config, Qwen3Config as of transformers 5). Defaults that differ between families are kept here so
 * that a missing key means what it means in transformers, not what looks reasonable.
 *
 * <p>Gemma 2 and Gemma 3 (text) carry their own settings ({@link GemmaSettings}: (1 + w) norms, GeGLU, soft-capping,
 * sliding layers). Phi-3 / 3.5 / 4 fuse q, k, v into one qkv_proj and gate, up into one gate_up_proj, and may rotate
 * part of each head (partial_rotary_factor) with LongRoPE scaling. Not here: mixture-of-experts families.
 */
public enum Architecture {
    /** Llama 1/2/3.x: optional attention_bias (q, k, v and o), optional mlp_bias. */
    LLAMA("llama", 2048, null, 1, List.of(2), null, true),
    /** Mistral: no biases at all; sliding_window defaults to 4096 when the key is absent. */
    MISTRAL("mistral", 4096 * 32, 8, 1, List.of(2), null, false),
    /** Qwen2 / Qwen2.5: q, k and v projections always carry biases, o_proj never does. */
    QWEN2("qwen2", 32768, 32, null, List.of(), null, false),
    /** Qwen3: RMSNorm on each head of q and k (q_norm, k_norm); head_dim explicit (default 128). */
    QWEN3("qwen3", 32768, 32, null, List.of(), 128, false),
    /** Gemma 2: GeGLU, (1 + w) norms around attention and MLP, soft-capping, alternating sliding layers. */
    GEMMA2("gemma2", 8192, 4, 2, List.of(1), 256, false),
    /**
     * Gemma 3 text (gemma3_text, and the text_config of a gemma3 checkpoint): Gemma 2's layer with q/k norms,
     * five sliding layers to one global by default, a RoPE base of its own for the sliding layers, no soft-capping.
     */
    GEMMA3_TEXT("gemma3_text", 131072, 4, 2, List.of(1), 256, false),
    /**
     * Phi-3, Phi-3.5, Phi-4 (phi3): Llama's layer with fused qkv_proj and gate_up_proj, no biases, LongRoPE scaling
     * and partial rotary where configs ask for them, a sliding window when sliding_window is set.
     */
    PHI3("phi3", 4096, null, 1, List.of(32000), null, false);

    private final String modelType;
    private final int defaultMaxPositionEmbeddings;
    private final Integer defaultKeyValueHeads;
    private final Integer defaultBosTokenId;
    private final List<Integer> defaultEosTokenIds;
    private final Integer defaultHeadDim;
    private final boolean requiresHiddenDivisibleByHeads;

    Architecture(String modelType, int defaultMaxPositionEmbeddings, Integer defaultKeyValueHeads,
                 Integer defaultBosTokenId, List<Integer> defaultEosTokenIds, Integer defaultHeadDim,
                 boolean requiresHiddenDivisibleByHeads) {
        this.modelType = modelType;
        this.defaultMaxPositionEmbeddings = defaultMaxPositionEmbeddings;
        this.defaultKeyValueHeads = defaultKeyValueHeads;
        this.defaultBosTokenId = defaultBosTokenId;
        this.defaultEosTokenIds = defaultEosTokenIds;
        this.defaultHeadDim = defaultHeadDim;
        this.requiresHiddenDivisibleByHeads = requiresHiddenDivisibleByHeads;
    }

    /** The {@code model_type} string of config.json. */
    public String modelType() {
        return modelType;
    }

    /** The family for a {@code model_type}; a ConfigException listing the supported ones otherwise. */
    public static Architecture fromModelType(String modelType, String source) {
        for (Architecture architecture : values()) {
            if (architecture.modelType.equals(modelType)) {
                return architecture;
            }
        }
        throw new ConfigException(source + ": model_type '" + modelType + "' is not supported",
                "Loris supports model_type " + supportedModelTypes()
                        + "; fine-tune a checkpoint of one of these families");
    }

    /** "llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, gemma3", for messages. */
    public static String supportedModelTypes() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "))
                + ", " + GEMMA3_MULTIMODAL;
    }

    /** The model_type of Gemma 3 checkpoints with a vision tower; Loris reads their text_config. */
    static final String GEMMA3_MULTIMODAL = "gemma3";

    /** Whether each head of q and k goes through its own RMSNorm (q_norm, k_norm) before RoPE. */
    public boolean hasQkNorm() {
        return this == QWEN3 || this == GEMMA3_TEXT;
    }

    /** Whether this is a Gemma family: (1 + w) norms, GeGLU, scaled embeddings, four norms per layer. */
    public boolean isGemma() {
        return this == GEMMA2 || this == GEMMA3_TEXT;
    }

    /** Whether q, k, v come from one fused qkv_proj and gate, up from one gate_up_proj (Phi-3). */
    public boolean hasFusedProjections() {
        return this == PHI3;
    }

    /** pad_token_id when absent: Phi3Config's 32000 (&lt;|endoftext|&gt;); none for the others. */
    Integer defaultPadTokenId() {
        return this == PHI3 ? 32000 : null;
    }

    /** rope_theta when absent: Gemma 3's class default 1,000,000; 10,000 for the others. */
    double defaultRopeTheta() {
        return this == GEMMA3_TEXT ? 1_000_000.0 : 10_000.0;
    }

    /** tie_word_embeddings when absent: true for Gemma (transformers' class default), false otherwise. */
    boolean defaultTieWordEmbeddings() {
        return isGemma();
    }

    int defaultMaxPositionEmbeddings() {
        return defaultMaxPositionEmbeddings;
    }

    /**
     * num_key_value_heads when the key is absent: transformers' class default, which is not always the
     * head count (Mistral 8, Qwen 32). An explicit null means "same as num_attention_heads" everywhere.
     */
    int defaultKeyValueHeads(int attentionHeads) {
        return defaultKeyValueHeads == null ? attentionHeads : defaultKeyValueHeads;
    }

    Integer defaultBosTokenId() {
        return defaultBosTokenId;
    }

    List<Integer> defaultEosTokenIds() {
        return defaultEosTokenIds;
    }

    /** head_dim when absent: Qwen3's class default 128; the others derive hidden_size / heads. */
    Integer defaultHeadDim() {
        return defaultHeadDim;
    }

    /** LlamaConfig insists on hidden_size % num_attention_heads == 0 even with an explicit head_dim. */
    boolean requiresHiddenDivisibleByHeads() {
        return requiresHiddenDivisibleByHeads;
    }
}
