package dev.loris.gguf.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.gguf.GgmlType;
import dev.loris.gguf.GgufException;
import dev.loris.gguf.GgufMetadata;
import dev.loris.gguf.GgufTensorInfo;
import dev.loris.gguf.GgufWriter;
import dev.loris.gguf.quant.BlockQuantizer;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors, as PEFT 0.21 writes them)
 * exported as a GGUF LoRA adapter for llama.cpp's {@code --lora} (convert_lora_to_gguf.py's layout):
 * general.type "adapter", adapter.type "lora", adapter.lora.alpha, and for each adapted weight
 * {@code <gguf name>.lora_a} (PEFT A [r, in], ne [in, r]) and {@code .lora_b} (B [out, r], ne [r, out]) in F32.
 *
 * <p>llama.cpp scales an adapter by alpha / r, PEFT by alpha / r, or alpha / √r with use_rslora; for rsLoRA
 * the alpha written is lora_alpha · √r so both compute the same update. For llama-architecture models the
 * rows of B for q_proj and k_proj go through the same permutation as the base weights (the update B·A is
 * permuted by rows, and A is untouched). Refused with a clear message: DoRA, per-module rank or alpha
 * patterns, embedding or lm_head adapters, modules_to_save, fan_in_fan_out.
 */
public final class AdapterExporter {
    private static final String PREFIX = "base_model.model.";

    private AdapterExporter() {
    }

    /** What the adapter holds: rank, alpha as PEFT has it, and the alpha written for llama.cpp. */
    public record Result(Path file, int rank, double loraAlpha, double ggufAlpha, int adaptedWeights) {}

    public static Result export(Path adapterFolder, Path baseModelFolder, Path target) {
        ModelConfig config = ModelConfig.read(baseModelFolder);
        JsonNode adapterConfig = readConfig(adapterFolder);
        int rank = adapterConfig.path("r").asInt(8);
        double alpha = adapterConfig.path("lora_alpha").asDouble(8);
        boolean rsLora = adapterConfig.path("use_rslora").asBoolean(false);
        refuseUnsupported(adapterFolder, adapterConfig);
        double ggufAlpha = rsLora ? alpha * Math.sqrt(rank) : alpha;
        String arch = TensorNames.architecture(config);
        GgufMetadata metadata = new GgufMetadata();
        metadata.putString("general.architecture", arch);
        metadata.putString("general.type", "adapter");
        metadata.putString("general.name", adapterFolder.toAbsolutePath().normalize().getFileName().toString());
        metadata.putString("adapter.type", "lora");
        metadata.putFloat32("adapter.lora.alpha", ggufAlpha);
        Map<String, String> names = TensorNames.expected(config, true);
        try (SafetensorsCheckpoint adapter = SafetensorsCheckpoint.open(adapterFolder)) {
            Map<String, String[]> pairs = pairs(adapter, adapterFolder);
            GgufWriter writer = new GgufWriter(metadata);
            ExecutorService pool = Executors.newFixedThreadPool(1);
            try {
                for (Map.Entry<String, String[]> e : pairs.entrySet()) {
                    String hfWeight = e.getKey() + ".weight";
                    String ggufName = names.get(hfWeight);
                    if (ggufName == null || ggufName.equals("token_embd.weight") || ggufName.equals("output.weight")) {
                        throw new GgufException(adapterFolder + ": the adapter targets '" + e.getKey()
                                + "', which has no place in a llama.cpp LoRA for this model",
                                "export adapters of the attention and MLP projections (q/k/v/o, gate/up/down)");
                    }
                    checkRank(adapter, e.getValue(), rank, adapterFolder);
                    add(writer, pool, ggufName + ".lora_a", RowSource.of(adapter, e.getValue()[0], 0));
                    add(writer, pool, ggufName + ".lora_b", RowSource.of(adapter, e.getValue()[1],
                            TensorNames.permutationHeads(config, hfWeight)));
                }
                writer.write(target);
            } finally {
                pool.shutdownNow();
            }
            return new Result(target, rank, alpha, ggufAlpha, pairs.size());
        }
    }

    private static void add(GgufWriter writer, ExecutorService pool, String name, RowSource source) {
        GgufTensorInfo info = new GgufTensorInfo(name, GgmlType.F32, new long[] {source.rowLength(), source.rows()});
        BlockQuantizer f32 = BlockQuantizer.of(GgmlType.F32);
        writer.add(info, sink -> ParallelRows.write(source, f32, pool, 1, sink));
    }

    /** Module path ("model.layers.0.self_attn.q_proj") to its A and B tensor names, in name order. */
    private static Map<String, String[]> pairs(SafetensorsCheckpoint adapter, Path folder) {
        Map<String, String[]> pairs = new TreeMap<>();
        for (String name : adapter.names()) {
            String module;
            int slot;
            if (name.endsWith(".lora_A.weight")) {
                module = name.substring(0, name.length() - ".lora_A.weight".length());
                slot = 0;
            } else if (name.endsWith(".lora_B.weight")) {
                module = name.substring(0, name.length() - ".lora_B.weight".length());
                slot = 1;
            } else {
                throw new GgufException(folder + ": adapter tensor '" + name + "' is not a LoRA A or B weight",
                        "llama.cpp adapters hold lora_A / lora_B only: embedding adapters, biases and "
                                + "modules_to_save need the merged model (loris export --format gguf)");
            }
            if (!module.startsWith(PREFIX)) {
                throw new GgufException(folder + ": adapter tensor '" + name + "' does not start with '" + PREFIX
                        + "'", "save the adapter with PEFT's save_pretrained (or Loris' trainer)");
            }
            pairs.computeIfAbsent(module.substring(PREFIX.length()), m -> new String[2])[slot] = name;
        }
        for (Map.Entry<String, String[]> e : pairs.entrySet()) {
            if (e.getValue()[0] == null || e.getValue()[1] == null) {
                throw new GgufException(folder + ": '" + e.getKey() + "' has only one of lora_A and lora_B",
                        "the adapter is incomplete; save it again");
            }
        }
        if (pairs.isEmpty()) {
            throw new GgufException(folder + " holds no LoRA weights", "give the folder PEFT saved the adapter in");
        }
        return pairs;
    }

    private static void checkRank(SafetensorsCheckpoint adapter, String[] pair, int rank, Path folder) {
        TensorInfo a = adapter.info(pair[0]);
        TensorInfo b = adapter.info(pair[1]);
        if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != rank || b.dim(1) != rank) {
            throw new GgufException(folder + ": " + pair[0] + " " + a.shapeText() + " and " + pair[1] + " "
                    + b.shapeText() + " do not have rank r = " + rank, "the adapter does not match its "
                    + "adapter_config.json (per-module ranks are not supported)");
        }
    }

    private static JsonNode readConfig(Path folder) {
        Path file = folder.resolve("adapter_config.json");
        try {
            return new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new GgufException("cannot read " + file + ": " + e.getMessage(), "give the folder PEFT saved "
                    + "the adapter in (adapter_config.json and adapter_model.safetensors)", e);
        }
    }

    private static void refuseUnsupported(Path folder, JsonNode config) {
        List<String> problems = new ArrayList<>();
        if (!"LORA".equals(config.path("peft_type").asText("LORA"))) {
            problems.add("peft_type " + config.path("peft_type").asText());
        }
        if (config.path("use_dora").asBoolean(false)) {
            problems.add("use_dora");
        }
        if (config.path("fan_in_fan_out").asBoolean(false)) {
            problems.add("fan_in_fan_out");
        }
        for (String key : new String[] {"rank_pattern", "alpha_pattern"}) {
            if (config.path(key).isObject() && !config.path(key).isEmpty()) {
                problems.add(key);
            }
        }
        if (config.path("modules_to_save").isArray() && !config.path("modules_to_save").isEmpty()) {
            problems.add("modules_to_save");
        }
        if (!problems.isEmpty()) {
            throw new GgufException(folder.resolve("adapter_config.json") + " uses " + String.join(", ", problems)
                    + ", which a llama.cpp LoRA adapter cannot carry", "merge the adapter into the model instead "
                    + "and export that (loris export --format gguf)");
        }
    }
}
