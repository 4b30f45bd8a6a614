package dev.loris.gguf;

import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Small random models of each exported architecture, written as a Hugging Face folder (config.json,
 * model.safetensors in bf16, a real tokenizer from the model module's test fixtures), so nothing big is
 * committed. Weights are seeded normals scaled so that the residual stream is led by the layers and the
 * output head is the embedding plus as much noise (tied models: the embedding itself): next-token
 * distributions then have logits spread over a few units with a clear but not certain favourite, like a
 * trained model's, rather than flat (where top-1 would be a coin toss) or one-hot (where it would be trivial).
 *
 * @param modelType   config.json model_type: llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3
 * @param tokenizer   the fixture tokenizer: llama3, qwen3, llama2 or gemma3
 */
public record TinyModel(String modelType, String tokenizer, int vocab, int hidden, int intermediate, int layers,
                        int heads, int kvHeads, int headDim, boolean tied, String ropeScaling) {
    private static final double EMBEDDING_SIGMA = 0.07;
    private static final double PEAKED_EMBEDDING_SIGMA = 0.5;

    public static TinyModel llama3() {
        return new TinyModel("llama", "llama3", 128256, 256, 512, 2, 4, 2, 64, false,
                "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
                        + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}, ");
    }

    public static TinyModel qwen3() {
        return new TinyModel("qwen3", "qwen3", 151936, 256, 512, 2, 4, 2, 128, true, "");
    }

    public static TinyModel qwen2() {
        return new TinyModel("qwen2", "qwen3", 151936, 256, 512, 2, 4, 2, 64, true, "");
    }

    public static TinyModel mistral() {
        return new TinyModel("mistral", "llama2", 32000, 256, 512, 2, 4, 2, 64, false, "");
    }

    /**
     * Gemma 2 within what llama.cpp computes (see ModelMetadata): head_dim 64 not hidden / heads (128 / 4),
     * query_pre_attn_scalar = head_dim, layers sliding / global / sliding over a window of 8 (shorter than the test
     * sequences), soft-caps 20 and 15, tied; the Gemma 3 tokenizer (vocabulary 262,208 as Gemma 3's config.json).
     */
    public static TinyModel gemma2() {
        return new TinyModel("gemma2", "gemma3", 262208, 128, 256, 3, 4, 2, 64, true, "");
    }

    /** Gemma 3 text: q/k norms, three sliding layers (llama.cpp's every-sixth-global rule), window 8, tied. */
    public static TinyModel gemma3() {
        return new TinyModel("gemma3_text", "gemma3", 262208, 128, 256, 3, 4, 2, 64, true, "");
    }

    /**
     * Phi-3 (Phi-4's shape: a gpt2-style BPE tokenizer, here Qwen 3's): fused qkv_proj / gate_up_proj, partial
     * rotary 0.5 (32 of 64), LongRoPE short factors away from 1 (the original context equal to the full one, so
     * the attention factor is 1 and every context llama.cpp opens takes the short factors), untied head.
     */
    public static TinyModel phi3() {
        StringBuilder shortFactor = new StringBuilder();
        StringBuilder longFactor = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            shortFactor.append(i == 0 ? "" : ", ").append(1 + 0.25 * i);
            longFactor.append(i == 0 ? "" : ", ").append(2 + i);
        }
        return new TinyModel("phi3", "qwen3", 151936, 256, 512, 2, 4, 2, 64, false,
                "\"partial_rotary_factor\": 0.5, \"original_max_position_embeddings\": 512, \"rope_scaling\": "
                        + "{\"type\": \"longrope\", \"short_factor\": [" + shortFactor + "], \"long_factor\": ["
                        + longFactor + "]}, ");
    }

    /** The same model with other widths (e.g. rows that do not split into 256). */
    public TinyModel withWidths(int newHidden, int newIntermediate) {
        return new TinyModel(modelType, tokenizer, vocab, newHidden, newIntermediate, layers, heads, kvHeads,
                headDim, tied, ropeScaling);
    }

    /** Writes the model folder under {@code parent} and returns it. */
    public Path write(Path parent, long seed) {
        return write(parent, seed, false);
    }

    /**
     * As {@link #write(Path, long)}; {@code peaked} makes the embedding strong in the residual stream, so one
     * token (most often the current one) leads every next-token distribution by a margin, as in a trained
     * model, instead of a near tie among the largest of 100k random logits.
     */
    public Path write(Path parent, long seed, boolean peaked) {
        try {
            Path dir = Files.createDirectories(parent.resolve(modelType + "-" + tokenizer + (peaked ? "-peaked" : "")));
            Files.writeString(dir.resolve("config.json"), configJson());
            Path fixtures = fixtureFolder();
            Files.write(dir.resolve("tokenizer.json"), gunzip(fixtures.resolve("tokenizer.json.gz")));
            Files.write(dir.resolve("tokenizer_config.json"), gunzip(fixtures.resolve("tokenizer_config.json.gz")));
            writeWeights(dir.resolve("model.safetensors"), seed, peaked ? PEAKED_EMBEDDING_SIGMA : EMBEDDING_SIGMA);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String configJson() {
        String arch = switch (modelType) {
            case "llama" -> "LlamaForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "gemma2" -> "Gemma2ForCausalLM";
            case "gemma3_text" -> "Gemma3ForCausalLM";
            case "phi3" -> "Phi3ForCausalLM";
            default -> "Qwen3ForCausalLM";
        };
        return "{\"architectures\": [\"" + arch + "\"], \"model_type\": \"" + modelType + "\", "
                + "\"vocab_size\": " + vocab + ", \"hidden_size\": " + hidden + ", \"intermediate_size\": "
                + intermediate + ", \"num_hidden_layers\": " + layers + ", \"num_attention_heads\": " + heads
                + ", \"num_key_value_heads\": " + kvHeads + ", \"head_dim\": " + headDim
                + ", \"max_position_embeddings\": 512, \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0, "
                + ropeScaling + "\"tie_word_embeddings\": " + tied + ", \"hidden_act\": \"silu\", "
                + (modelType.equals("mistral") ? "\"sliding_window\": null, " : "")
                + gemmaSettings() + specialIds() + "\"torch_dtype\": \"bfloat16\"}";
    }

    private String gemmaSettings() {
        return switch (modelType) {
            case "gemma2" -> "\"hidden_activation\": \"gelu_pytorch_tanh\", \"query_pre_attn_scalar\": " + headDim
                    + ", \"sliding_window\": 8, \"attn_logit_softcapping\": 20.0, \"final_logit_softcapping\": 15.0, "
                    + "\"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\"], ";
            case "gemma3_text" -> "\"hidden_activation\": \"gelu_pytorch_tanh\", \"query_pre_attn_scalar\": "
                    + headDim + ", \"sliding_window\": 8, \"rope_local_base_freq\": 10000.0, \"layer_types\": "
                    + "[\"sliding_attention\", \"sliding_attention\", \"sliding_attention\"], ";
            default -> "";
        };
    }

    /** bos/eos ids of the fixture tokenizer, as the real models' config.json has them. */
    private String specialIds() {
        return switch (tokenizer) {
            case "gemma3" -> "\"bos_token_id\": 2, \"eos_token_id\": 1, \"pad_token_id\": 0, ";
            case "llama3" -> "\"bos_token_id\": 128000, \"eos_token_id\": 128001, ";
            case "qwen3" -> "\"bos_token_id\": 151643, \"eos_token_id\": 151645, ";
            default -> "\"bos_token_id\": 1, \"eos_token_id\": 2, ";
        };
    }

    /** The HF tensors with their shapes, in checkpoint order. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {vocab, hidden});
        boolean fused = modelType.equals("phi3");
        boolean gemma = modelType.startsWith("gemma");
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {hidden});
            if (fused) {
                shapes.put(p + "self_attn.qkv_proj.weight", new long[] {(long) (heads + 2 * kvHeads) * headDim, hidden});
            } else {
                shapes.put(p + "self_attn.q_proj.weight", new long[] {(long) heads * headDim, hidden});
                shapes.put(p + "self_attn.k_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
                shapes.put(p + "self_attn.v_proj.weight", new long[] {(long) kvHeads * headDim, hidden});
            }
            if (modelType.equals("qwen2")) {
                shapes.put(p + "self_attn.q_proj.bias", new long[] {(long) heads * headDim});
                shapes.put(p + "self_attn.k_proj.bias", new long[] {(long) kvHeads * headDim});
                shapes.put(p + "self_attn.v_proj.bias", new long[] {(long) kvHeads * headDim});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {hidden, (long) heads * headDim});
            if (modelType.equals("qwen3") || modelType.equals("gemma3_text")) {
                shapes.put(p + "self_attn.q_norm.weight", new long[] {headDim});
                shapes.put(p + "self_attn.k_norm.weight", new long[] {headDim});
            }
            shapes.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            if (gemma) {
                shapes.put(p + "pre_feedforward_layernorm.weight", new long[] {hidden});
                shapes.put(p + "post_feedforward_layernorm.weight", new long[] {hidden});
            }
            if (fused) {
                shapes.put(p + "mlp.gate_up_proj.weight", new long[] {2L * intermediate, hidden});
            } else {
                shapes.put(p + "mlp.gate_proj.weight", new long[] {intermediate, hidden});
                shapes.put(p + "mlp.up_proj.weight", new long[] {intermediate, hidden});
            }
            shapes.put(p + "mlp.down_proj.weight", new long[] {hidden, intermediate});
        }
        shapes.put("model.norm.weight", new long[] {hidden});
        if (!tied) {
            shapes.put("lm_head.weight", new long[] {vocab, hidden});
        }
        return shapes;
    }

    private void writeWeights(Path file, long seed, double embeddingSigma) {
        SplittableRandom random = new SplittableRandom(seed);
        SafetensorsWriter writer = new SafetensorsWriter();
        float[] embedding = null;
        for (Map.Entry<String, long[]> e : shapes().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = Math.toIntExact(shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            float[] values = new float[n];
            if (name.endsWith("norm.weight")) {
                double center = modelType.startsWith("gemma") ? 0 : 1; // Gemma's norms multiply by 1 + w
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (center + 0.1 * random.nextGaussian());
                }
            } else if (name.equals("lm_head.weight")) {
                for (int i = 0; i < n; i++) {
                    values[i] = embedding[i] + (float) (EMBEDDING_SIGMA * random.nextGaussian());
                }
            } else {
                double sigma = name.contains("embed") ? embeddingSigma
                        : name.endsWith("bias") ? 0.1 : 1.0 / Math.sqrt(shape[shape.length - 1]);
                for (int i = 0; i < n; i++) {
                    values[i] = (float) (sigma * random.nextGaussian());
                }
                if (name.contains("embed")) {
                    embedding = values;
                }
            }
            writer.add(name, Dtype.BF16, shape, bf16(values));
        }
        writer.write(file);
    }

    private static MemorySegment bf16(float[] values) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * 2]);
        ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            bytes.setAtIndex(u16, i, dev.loris.gguf.quant.Fp16.bf16FromFloat(values[i]));
        }
        return bytes;
    }

    private Path fixtureFolder() {
        for (Path root : new Path[] {Path.of(".."), Path.of(".")}) {
            Path candidate = root.resolve("model/src/test/resources/tokenizers").resolve(tokenizer);
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("model/src/test/resources/tokenizers/" + tokenizer + " not found from "
                + Path.of("").toAbsolutePath());
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16)) {
            return in.readAllBytes();
        }
    }
}
