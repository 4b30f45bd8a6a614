package dev.loris.model.decoder;

import dev.loris.model.safetensors.SafetensorsWriter;

import java.nio.file.Path;
import java.util.Random;

/**
 * A tiny random Phi-3 checkpoint in f32 with the shapes of issue 17: fused qkv_proj (out 4*10 + 2*2*10) and
 * gate_up_proj (out 2*40), head_dim 10 not hidden / heads (24 / 4), grouped-query attention (4 heads over 2), a
 * vocabulary of 37, partial rotary (0.8: 8 of 10 values rotate), LongRoPE with short and long factors of its own and
 * an original context of 8 (so the test batch, 10 tokens long, takes the long factors and an attention factor of
 * sqrt(1 + ln 16 / ln 8); a prompt of 3 takes the short ones), and a sliding window of 6 shorter than the
 * sequences. For gradient checks and backend agreement; the transformers comparison uses make_fixtures.py's phi3.
 */
public final class TinyPhi3 {
    static final int VOCAB = TinyGemma.VOCAB;
    static final int HIDDEN = 24;
    static final int INTERMEDIATE = 40;
    static final int LAYERS = 2;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 10;

    private TinyPhi3() {
    }

    /** Writes config.json and model.safetensors into folder. */
    public static Path write(long seed, Path folder) {
        String config = """
                {
                  "model_type": "phi3", "vocab_size": %d, "hidden_size": %d, "intermediate_size": %d,
                  "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": %d,
                  "hidden_act": "silu", "max_position_embeddings": 128, "original_max_position_embeddings": 8,
                  "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "partial_rotary_factor": 0.8,
                  "rope_scaling": {"type": "longrope", "short_factor": [1.0, 1.25, 1.5, 2.0],
                                   "long_factor": [1.5, 3.0, 6.0, 11.0]},
                  "sliding_window": 6, "tie_word_embeddings": false,
                  "bos_token_id": 1, "eos_token_id": 32000, "pad_token_id": 32000, "torch_dtype": "float32"
                }
                """.formatted(VOCAB, HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, HEAD_DIM);
        Random random = new Random(seed);
        SafetensorsWriter writer = new SafetensorsWriter();
        TinyGemma.add(writer, random, "model.embed_tokens.weight", 0.5f, VOCAB, HIDDEN);
        int q = HEADS * HEAD_DIM;
        int kv = KV_HEADS * HEAD_DIM;
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            TinyGemma.add(writer, random, p + "input_layernorm.weight", 0.2f, HIDDEN);
            TinyGemma.add(writer, random, p + "post_attention_layernorm.weight", 0.2f, HIDDEN);
            TinyGemma.add(writer, random, p + "self_attn.qkv_proj.weight", 0.3f, q + 2 * kv, HIDDEN);
            TinyGemma.add(writer, random, p + "self_attn.o_proj.weight", 0.3f, HIDDEN, q);
            TinyGemma.add(writer, random, p + "mlp.gate_up_proj.weight", 0.3f, 2 * INTERMEDIATE, HIDDEN);
            TinyGemma.add(writer, random, p + "mlp.down_proj.weight", 0.3f, HIDDEN, INTERMEDIATE);
        }
        TinyGemma.add(writer, random, "model.norm.weight", 0.2f, HIDDEN);
        TinyGemma.add(writer, random, "lm_head.weight", 0.3f, VOCAB, HIDDEN);
        return TinyGemma.save(folder, config, writer);
    }

    /** A tiny model of {@code modelType}: phi3 here, gemma2 / gemma3_text by {@link TinyGemma}. */
    public static Path writeFamily(String modelType, long seed, Path folder) {
        return modelType.equals("phi3") ? write(seed, folder) : TinyGemma.write(modelType, seed, folder);
    }
}
