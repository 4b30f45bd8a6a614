package dev.loris.gguf.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loris.gguf.GgufFile;
import dev.loris.gguf.GgufException;
import dev.loris.gguf.NodeConsumers;
import dev.loris.gguf.RequiresNodeConsumers;
import dev.loris.gguf.TinyModel;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PEFT adapter (keys and config as PEFT 0.21 writes them) exported as a GGUF LoRA and applied by llama.cpp
 * to the exported base model gives the log-probabilities llama.cpp gives for the merged model (W + s·B·A,
 * s = alpha / r, or alpha / √r with rsLoRA), within 1e-2 of the largest magnitude, while moving them far
 * from the base model's. Llama architecture, so q and k adapters go through the Q/K permutation.
 */
class AdapterGgufTest {
    static final List<String> TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "down_proj");
    static final int RANK = 4;
    static final double ALPHA = 8;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "use_rslora {0}")
    @ValueSource(booleans = {false, true})
    @RequiresNodeConsumers
    void llamaCppAppliesTheAdapterAsTheMergeDoes(boolean rsLora) throws IOException {
        Path loraGguf = agreesWithTheMerge(TinyModel.llama3(), TARGETS, rsLora);
        try (GgufFile lora = GgufFile.open(loraGguf)) {
            assertEquals(List.of(256L, 4L), Arrays.stream(lora.tensor("blk.0.attn_q.weight.lora_a").ne()).boxed().toList());
        }
    }

    /**
     * Issue 17's families: Gemma 2 and Gemma 3 (no Q/K permutation; norms written as 1 + w around the adapted
     * weights) and Phi-3, whose adapters sit on the fused qkv_proj and gate_up_proj as PEFT names them.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gemma2", "gemma3", "phi3"})
    @RequiresNodeConsumers
    void llamaCppAppliesTheAdaptersOfTheOtherFamiliesAsTheMergeDoes(String family) throws IOException {
        TinyModel model = switch (family) {
            case "gemma2" -> TinyModel.gemma2();
            case "gemma3" -> TinyModel.gemma3();
            default -> TinyModel.phi3();
        };
        List<String> targets = family.equals("phi3") ? List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj")
                : List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
        agreesWithTheMerge(model, targets, false);
    }

    /**
     * Exports {@code model}, a random adapter on {@code targets}, and their merge; llama.cpp with the GGUF LoRA
     * must give the merged model's log-probabilities within 1e-2 while moving far from the base model's.
     * Returns the adapter's GGUF.
     */
    private Path agreesWithTheMerge(TinyModel model, List<String> targets, boolean rsLora) throws IOException {
        Path base = model.write(dir, 5);
        Path adapter = writeAdapter(dir.resolve("adapter"), base, rsLora, 9, targets);
        Path merged = merge(base, adapter, dir.resolve("merged"), rsLora);
        Path baseGguf = dir.resolve("base.gguf");
        Path mergedGguf = dir.resolve("merged.gguf");
        Path loraGguf = dir.resolve("lora.gguf");
        GgufExporter.export(base, baseGguf, GgufExporter.Options.of(GgufFileType.F16));
        GgufExporter.export(merged, mergedGguf, GgufExporter.Options.of(GgufFileType.F16));
        AdapterExporter.Result result = AdapterExporter.export(adapter, base, loraGguf);
        assertEquals(rsLora ? ALPHA * Math.sqrt(RANK) : ALPHA, result.ggufAlpha(), 1e-9);
        LlamaCppAgreementTest.readsBack(loraGguf);
        try (GgufFile lora = GgufFile.open(loraGguf)) {
            assertEquals("adapter", lora.metadata().string("general.type"));
            assertEquals(2 * model.layers() * targets.size(), lora.tensors().size());
        }
        int[] ids;
        try (Tokenizer tokenizer = Tokenizer.load(base)) {
            ids = Arrays.copyOf(tokenizer.encode(LlamaCppAgreementTest.TEXT, false), 24);
        }
        List<Integer> positions = List.of(3, 11, 23);
        JsonNode withLora = NodeConsumers.llama(Map.of("model", baseGguf.toString(), "lora", loraGguf.toString(),
                "ids", ids, "logProbsAt", positions));
        JsonNode ofMerged = NodeConsumers.llama(Map.of("model", mergedGguf.toString(), "ids", ids, "logProbsAt", positions));
        JsonNode ofBase = NodeConsumers.llama(Map.of("model", baseGguf.toString(), "ids", ids, "logProbsAt", positions));
        double adapterVsMerge = 0;
        double adapterVsBase = 0;
        for (int p : positions) {
            String key = Integer.toString(p);
            adapterVsMerge = Math.max(adapterVsMerge, relative(withLora.path("logProbs").path(key), ofMerged.path("logProbs").path(key)));
            adapterVsBase = Math.max(adapterVsBase, relative(withLora.path("logProbs").path(key), ofBase.path("logProbs").path(key)));
        }
        System.out.printf("%s adapter (rsLoRA %s): llama.cpp base + GGUF LoRA within %.2e of the merged model; "
                + "%.2e from the base%n", model.modelType(), rsLora, adapterVsMerge, adapterVsBase);
        assertTrue(adapterVsMerge <= 1e-2, "adapter vs merge: " + adapterVsMerge);
        assertTrue(adapterVsBase >= 10 * adapterVsMerge && adapterVsBase > 5e-2, "the adapter barely changes the "
                + "outputs (" + adapterVsBase + "), so the comparison says nothing");
        return loraGguf;
    }

    @Test
    void unsupportedAdaptersAreRefusedByName() throws IOException {
        Path base = TinyModel.llama3().withWidths(64, 128).write(dir, 5);
        Path adapter = writeAdapter(dir.resolve("dora"), base, false, 1);
        Files.writeString(adapter.resolve("adapter_config.json"), Files.readString(adapter.resolve("adapter_config.json"))
                .replace("\"use_rslora\"", "\"use_dora\": true, \"use_rslora\""));
        GgufException e = assertThrows(GgufException.class, () -> AdapterExporter.export(adapter, base, dir.resolve("x.gguf")));
        assertTrue(e.getMessage().contains("use_dora"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("x.gguf")));
    }

    static double relative(JsonNode a, JsonNode b) {
        double scale = 0;
        double error = 0;
        for (int i = 0; i < b.size(); i++) {
            scale = Math.max(scale, Math.abs(b.get(i).asDouble()));
            error = Math.max(error, Math.abs(a.get(i).asDouble() - b.get(i).asDouble()));
        }
        return error / scale;
    }

    /** A random PEFT adapter for {@code base} on {@link #TARGETS}. */
    static Path writeAdapter(Path folder, Path base, boolean rsLora, long seed) throws IOException {
        return writeAdapter(folder, base, rsLora, seed, TARGETS);
    }

    /** A random PEFT adapter for {@code base} on {@code targets}: lora_A [r, in], lora_B [out, r], both nonzero. */
    static Path writeAdapter(Path folder, Path base, boolean rsLora, long seed, List<String> targets)
            throws IOException {
        Files.createDirectories(folder);
        SplittableRandom random = new SplittableRandom(seed);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(base)) {
            for (String name : checkpoint.names()) {
                String module = name.substring(0, name.length() - ".weight".length());
                if (!name.endsWith(".weight") || targets.stream().noneMatch(module::endsWith)) {
                    continue;
                }
                long[] shape = checkpoint.info(name).shape();
                writer.add("base_model.model." + module + ".lora_A.weight", Dtype.F32, new long[] {RANK, shape[1]},
                        f32(gaussian(random, RANK * (int) shape[1], 0.3 / Math.sqrt(shape[1]) * 4)));
                writer.add("base_model.model." + module + ".lora_B.weight", Dtype.F32, new long[] {shape[0], RANK},
                        f32(gaussian(random, (int) shape[0] * RANK, 0.15)));
            }
        }
        writer.write(folder.resolve("adapter_model.safetensors"));
        Files.writeString(folder.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"task_type\": \"CAUSAL_LM\", "
                + "\"r\": " + RANK + ", \"lora_alpha\": " + ALPHA + ", \"use_rslora\": " + rsLora
                + ", \"lora_dropout\": 0.0, \"bias\": \"none\", \"target_modules\": [\""
                + String.join("\", \"", targets) + "\"], \"peft_version\": \"0.21.0\"}");
        return folder;
    }

    /** The base model with W + s·B·A for every adapted weight, in f32. */
    static Path merge(Path base, Path adapter, Path folder, boolean rsLora) throws IOException {
        Files.createDirectories(folder);
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(base.resolve(file), folder.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        double scale = rsLora ? ALPHA / Math.sqrt(RANK) : ALPHA / RANK;
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(base);
             SafetensorsCheckpoint lora = SafetensorsCheckpoint.open(adapter)) {
            for (String name : weights.names()) {
                long[] shape = weights.info(name).shape();
                float[] w = weights.readFloats(name);
                String module = "base_model.model." + name.substring(0, name.length() - ".weight".length());
                if (lora.contains(module + ".lora_A.weight")) {
                    float[] a = lora.readFloats(module + ".lora_A.weight");
                    float[] b = lora.readFloats(module + ".lora_B.weight");
                    int out = (int) shape[0];
                    int in = (int) shape[1];
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            double sum = 0;
                            for (int k = 0; k < RANK; k++) {
                                sum += (double) b[o * RANK + k] * a[k * in + i];
                            }
                            w[o * in + i] += (float) (scale * sum);
                        }
                    }
                }
                writer.add(name, Dtype.F32, shape, f32(w));
            }
        }
        writer.write(folder.resolve("model.safetensors"));
        return folder;
    }

    /** Little-endian f32 bytes in a byte-backed segment (what SafetensorsWriter writes from). */
    static MemorySegment f32(float[] values) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[values.length * 4]);
        MemorySegment.copy(values, 0, bytes, java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED
                .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0, values.length);
        return bytes;
    }

    private static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (sigma * random.nextGaussian());
        }
        return values;
    }
}
