package dev.loris.model.decoder;

import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A tiny random Gemma 2 or Gemma 3 (text) checkpoint in f32 with the odd shapes of issue 17: head_dim 10 not
 * hidden / heads (24 / 4), grouped-query attention (4 heads over 2), a vocabulary of 37, query_pre_attn_scalar
 * 12 (not head_dim), a sliding window of 4 tokens (shorter than the test sequences), soft-caps small enough to
 * bend the scores and logits (Gemma 2), Gemma 3's local RoPE base far from its global one. Norm weights are
 * offsets from 1 (N(0, 0.2²)), matrices N(0, 0.3²), embeddings N(0, 0.5²): large enough that every part of the
 * layer shapes the loss. For gradient checks and backend agreement; the transformers comparison uses the
 * fixtures of make_fixtures.py instead.
 */
public final class TinyGemma {
    static final int VOCAB = 37;
    static final int HIDDEN = 24;
    static final int INTERMEDIATE = 40;
    static final int LAYERS = 3;
    static final int HEADS = 4;
    static final int KV_HEADS = 2;
    static final int HEAD_DIM = 10;
    static final double FINAL_SOFT_CAP = 2.5;

    private TinyGemma() {
    }

    /** Writes config.json and model.safetensors of {@code modelType} (gemma2 or gemma3_text) into folder. */
    public static Path write(String modelType, long seed, Path folder) {
        boolean gemma3 = modelType.equals("gemma3_text");
        String config = """
                {
                  "model_type": "%s", "vocab_size": %d, "hidden_size": %d, "intermediate_size": %d,
                  "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d, "head_dim": %d,
                  "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 128, "rms_norm_eps": 1e-06,
                  "query_pre_attn_scalar": 12, "sliding_window": 4, "tie_word_embeddings": true,
                  "bos_token_id": 2, "eos_token_id": 1, "pad_token_id": 0, "torch_dtype": "float32",
                  %s
                }
                """.formatted(modelType, VOCAB, HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS, HEAD_DIM, gemma3
                ? "\"rope_theta\": 1000000.0, \"rope_local_base_freq\": 100.0, \"attn_logit_softcapping\": null, "
                        + "\"final_logit_softcapping\": null, "
                        + "\"layer_types\": [\"sliding_attention\", \"sliding_attention\", \"full_attention\"]"
                : "\"rope_theta\": 10000.0, \"attn_logit_softcapping\": 1.5, \"final_logit_softcapping\": "
                        + FINAL_SOFT_CAP);
        Random random = new Random(seed);
        SafetensorsWriter writer = new SafetensorsWriter();
        add(writer, random, "model.embed_tokens.weight", 0.5f, VOCAB, HIDDEN);
        int q = HEADS * HEAD_DIM;
        int kv = KV_HEADS * HEAD_DIM;
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            for (String norm : new String[] {"input_layernorm", "post_attention_layernorm",
                    "pre_feedforward_layernorm", "post_feedforward_layernorm"}) {
                add(writer, random, p + norm + ".weight", 0.2f, HIDDEN);
            }
            if (gemma3) {
                add(writer, random, p + "self_attn.q_norm.weight", 0.2f, HEAD_DIM);
                add(writer, random, p + "self_attn.k_norm.weight", 0.2f, HEAD_DIM);
            }
            add(writer, random, p + "self_attn.q_proj.weight", 0.3f, q, HIDDEN);
            add(writer, random, p + "self_attn.k_proj.weight", 0.3f, kv, HIDDEN);
            add(writer, random, p + "self_attn.v_proj.weight", 0.3f, kv, HIDDEN);
            add(writer, random, p + "self_attn.o_proj.weight", 0.3f, HIDDEN, q);
            add(writer, random, p + "mlp.gate_proj.weight", 0.3f, INTERMEDIATE, HIDDEN);
            add(writer, random, p + "mlp.up_proj.weight", 0.3f, INTERMEDIATE, HIDDEN);
            add(writer, random, p + "mlp.down_proj.weight", 0.3f, HIDDEN, INTERMEDIATE);
        }
        add(writer, random, "model.norm.weight", 0.2f, HIDDEN);
        return save(folder, config, writer);
    }

    /** config.json and model.safetensors into folder (created); returns folder. */
    static Path save(Path folder, String config, SafetensorsWriter writer) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("config.json"), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.write(folder.resolve("model.safetensors"));
        return folder;
    }

    static void add(SafetensorsWriter writer, Random random, String name, float sigma, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = sigma * (float) random.nextGaussian();
        }
        writer.addFloats(name, Dtype.F32, shape, values);
    }
}
