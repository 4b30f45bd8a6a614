package dev.loris.gguf.export;

import dev.loris.gguf.GgmlType;
import dev.loris.gguf.GgufException;
import dev.loris.gguf.GgufMetadata;
import dev.loris.gguf.GgufTensorInfo;
import dev.loris.gguf.GgufWriter;
import dev.loris.gguf.quant.BlockQuantizer;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.TensorInfo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Exports a Hugging Face model folder (config.json, safetensors, tokenizer.json) to one GGUF file that
 * llama.cpp and Ollama load: metadata ({@link ModelMetadata}, {@link TokenizerMetadata}), tensors renamed
 * ({@link TensorNames}), q/k permuted for llama, Gemma's norms stored as 1 + w, rope_freqs for Llama 3 scaling and
 * Phi-3's rope_factors_short / rope_factors_long, each tensor quantised to the
 * type {@link QuantMix} picks, streamed from the memory-mapped checkpoint on {@code threads} threads and
 * written atomically. Tensors the checkpoint has but the architecture does not use are refused by name
 * (rotary inv_freq buffers excepted), so nothing is silently dropped.
 */
public final class GgufExporter {
    /** How to export: file type, threads, and where progress lines go. */
    public record Options(GgufFileType fileType, int threads, Consumer<String> progress) {
        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be positive");
            }
        }

        public static Options of(GgufFileType fileType) {
            return new Options(fileType, Runtime.getRuntime().availableProcessors(), line -> { });
        }
    }

    /** What was written: the tensors with their types and the fallbacks llama-quantize would also report. */
    public record Result(Path file, List<GgufTensorInfo> tensors, List<String> fallbacks) {}

    private GgufExporter() {
    }

    public static Result export(Path modelFolder, Path target, Options options) {
        ModelConfig config = ModelConfig.read(modelFolder);
        String name = modelFolder.toAbsolutePath().normalize().getFileName().toString();
        GgufMetadata metadata = ModelMetadata.of(config, name, options.fileType());
        TokenizerMetadata.add(modelFolder, config, metadata);
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(modelFolder)) {
            Map<String, String> names = TensorNames.expected(config, checkpoint.contains("lm_head.weight"));
            checkNames(checkpoint, names, modelFolder);
            QuantMix mix = new QuantMix(options.fileType(), !names.containsValue("output.weight"),
                    config.numHiddenLayers());
            GgufWriter writer = new GgufWriter(metadata);
            ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
                Thread t = new Thread(r, "gguf-quantise");
                t.setDaemon(true);
                return t;
            });
            try {
                Map<String, float[]> generated = ModelMetadata.generatedTensors(config);
                int total = names.size() + generated.size();
                int[] done = {0};
                for (Map.Entry<String, String> e : names.entrySet()) {
                    TensorInfo info = checkpoint.info(e.getKey());
                    RowSource source = RowSource.of(checkpoint, e.getKey(),
                            TensorNames.permutationHeads(config, e.getKey()));
                    if (TensorNames.addsOne(config, e.getKey())) {
                        source = source.plusOne();
                    }
                    add(writer, mix, e.getValue(), info.rank(), source, pool, options, done, total);
                }
                for (Map.Entry<String, float[]> e : generated.entrySet()) {
                    add(writer, mix, e.getKey(), 1, RowSource.of(e.getValue()), pool, options, done, total);
                }
                for (String fallback : mix.fallbacks()) {
                    options.progress().accept("fallback: " + fallback);
                }
                writer.write(target);
            } finally {
                pool.shutdownNow();
            }
            return new Result(target, writer.layout(), mix.fallbacks());
        }
    }

    private static void add(GgufWriter writer, QuantMix mix, String ggufName, int rank, RowSource source,
                            ExecutorService pool, Options options, int[] done, int total) {
        GgmlType type = mix.typeOf(ggufName, rank, source.rowLength(), TensorNames.layerOf(ggufName));
        long[] ne = rank == 1 ? new long[] {source.rowLength()} : new long[] {source.rowLength(), source.rows()};
        GgufTensorInfo info = new GgufTensorInfo(ggufName, type, ne);
        BlockQuantizer quantizer = BlockQuantizer.of(type);
        writer.add(info, sink -> {
            ParallelRows.write(source, quantizer, pool, options.threads(), sink);
            done[0]++;
            options.progress().accept("[" + done[0] + "/" + total + "] " + info);
        });
    }

    private static void checkNames(SafetensorsCheckpoint checkpoint, Map<String, String> names, Path folder) {
        Set<String> missing = new TreeSet<>(names.keySet());
        missing.removeAll(checkpoint.names());
        if (!missing.isEmpty()) {
            throw new GgufException(folder + ": the checkpoint lacks " + missing.size() + " tensor(s) config.json "
                    + "implies, e.g. '" + missing.iterator().next() + "'", "the weights do not match config.json; "
                    + "is this a LoRA adapter folder? Export the base model with --adapter instead");
        }
        Set<String> unused = new TreeSet<>(checkpoint.names());
        unused.removeAll(names.keySet());
        unused.removeIf(n -> n.endsWith("rotary_emb.inv_freq") || (n.equals("lm_head.weight")));
        if (!unused.isEmpty()) {
            throw new GgufException(folder + ": " + unused.size() + " tensor(s) have no place in a GGUF of this "
                    + "architecture, e.g. '" + unused.iterator().next() + "'", "the checkpoint is not a plain "
                    + "llama / mistral / qwen2 / qwen3 / gemma2 / gemma3 / phi3 decoder; merge or remove the extra weights first");
        }
    }
}
