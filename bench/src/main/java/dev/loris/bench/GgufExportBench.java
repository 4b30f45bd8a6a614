package dev.loris.bench;

import dev.loris.gguf.export.GgufExporter;
import dev.loris.gguf.export.GgufFileType;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Times {@code loris export} of an 8B-shaped checkpoint (Llama-3.1-8B's config, tensor names and shapes;
 * random bf16 values in one shard per layer, about 16 GB) and reports the peak Java heap during the export,
 * which stays small because tensors stream from the memory-mapped shards.
 *
 * <p>Usage: {@code GgufExportBench DIR TYPE THREADS [TOKENIZER_DIR]}: writes the checkpoint into DIR unless
 * DIR/config.json exists (the Llama 3 tokenizer is copied from TOKENIZER_DIR, default
 * model/src/test/resources/tokenizers/llama3), then exports DIR to DIR.TYPE.gguf. Nothing is committed.
 */
public final class GgufExportBench {
    private static final int HIDDEN = 4096;
    private static final int INTERMEDIATE = 14336;
    private static final int LAYERS = 32;
    private static final int KV = 8 * 128;
    private static final int VOCAB = 128256;

    private GgufExportBench() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        GgufFileType type = GgufFileType.parse(args[1]);
        int threads = Integer.parseInt(args[2]);
        Path tokenizer = Path.of(args.length > 3 ? args[3] : "model/src/test/resources/tokenizers/llama3");
        if (!Files.exists(dir.resolve("config.json"))) {
            long start = System.nanoTime();
            writeCheckpoint(dir, tokenizer);
            System.out.printf(Locale.ROOT, "wrote the 8B-shaped checkpoint in %.0f s%n", (System.nanoTime() - start) / 1e9);
        }
        Path out = dir.resolveSibling(dir.getFileName() + "." + type.cliName() + ".gguf");
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long start = System.nanoTime();
        GgufExporter.Result result = GgufExporter.export(dir, out, new GgufExporter.Options(type, threads, line -> { }));
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d tensors, %.2f GB, %.1f s on %d threads (%.0f M weights/s), peak heap "
                        + "%.0f MiB (max heap %.0f MiB)%n", type.cliName(), result.tensors().size(),
                Files.size(out) / 1e9, seconds, threads, 8.03e9 / seconds / 1e6, peak / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0);
    }

    private static void writeCheckpoint(Path dir, Path tokenizer) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": "
                + "\"llama\", \"vocab_size\": 128256, \"hidden_size\": 4096, \"intermediate_size\": 14336, "
                + "\"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"num_key_value_heads\": 8, \"head_dim\": 128, "
                + "\"rms_norm_eps\": 1e-5, \"rope_theta\": 500000.0, \"max_position_embeddings\": 131072, "
                + "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
                + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}, \"tie_word_embeddings\": false, "
                + "\"hidden_act\": \"silu\", \"bos_token_id\": 128000, \"eos_token_id\": 128001, \"torch_dtype\": \"bfloat16\"}");
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tokenizer.resolve(name + ".gz")))) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        List<Map<String, long[]>> shards = new ArrayList<>();
        shards.add(Map.of("model.embed_tokens.weight", new long[] {VOCAB, HIDDEN}));
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            Map<String, long[]> layer = new LinkedHashMap<>();
            layer.put(p + "input_layernorm.weight", new long[] {HIDDEN});
            layer.put(p + "self_attn.q_proj.weight", new long[] {HIDDEN, HIDDEN});
            layer.put(p + "self_attn.k_proj.weight", new long[] {KV, HIDDEN});
            layer.put(p + "self_attn.v_proj.weight", new long[] {KV, HIDDEN});
            layer.put(p + "self_attn.o_proj.weight", new long[] {HIDDEN, HIDDEN});
            layer.put(p + "post_attention_layernorm.weight", new long[] {HIDDEN});
            layer.put(p + "mlp.gate_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            layer.put(p + "mlp.up_proj.weight", new long[] {INTERMEDIATE, HIDDEN});
            layer.put(p + "mlp.down_proj.weight", new long[] {HIDDEN, INTERMEDIATE});
            shards.add(layer);
        }
        shards.add(Map.of("model.norm.weight", new long[] {HIDDEN}, "lm_head.weight", new long[] {VOCAB, HIDDEN}));
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        long seed = 1;
        for (int s = 0; s < shards.size(); s++) {
            String file = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", s + 1, shards.size());
            try (Arena arena = Arena.ofConfined()) {
                SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
                for (Map.Entry<String, long[]> e : shards.get(s).entrySet()) {
                    long n = e.getValue().length == 1 ? e.getValue()[0] : e.getValue()[0] * e.getValue()[1];
                    writer.add(e.getKey(), Dtype.BF16, e.getValue(), randomBf16(arena, n, seed++));
                    index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ")
                            .append('"').append(e.getKey()).append("\": \"").append(file).append('"');
                }
                writer.write(dir.resolve(file));
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
    }

    /** Uniform values in ±0.04 (about a trained weight's spread) as bf16, from a xorshift stream. */
    private static MemorySegment randomBf16(Arena arena, long n, long seed) {
        MemorySegment segment = arena.allocate(2 * n, 8);
        ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (long i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            float v = ((int) (x & 0xFFFF) - 32768) * (0.04f / 32768);
            segment.setAtIndex(u16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return segment;
    }
}
