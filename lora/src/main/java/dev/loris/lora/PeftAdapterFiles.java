package dev.loris.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.safetensors.AtomicFile;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsException;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.model.tokenizer.PythonJson;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An adapter folder as PEFT 0.21 reads and writes it: {@code adapter_config.json} (LoraConfig's fields,
 * sorted, indented by 2, as PEFT's json.dumps), {@code adapter_model.safetensors} (f32 tensors named
 * {@code base_model.model.<module>.lora_A.weight} [r, in] and {@code .lora_B.weight} [out, r], modules trained
 * in full as {@code base_model.model.<module>.weight}; metadata {"format": "pt"}) and a README.md model card.
 *
 * <p>Reading accepts what Loris can compute and refuses the rest with one clear error: DoRA, LoRA biases,
 * fan_in_fan_out, per-module rank or alpha patterns, adapters on a subset of layers.
 */
final class PeftAdapterFiles {
    static final String KEY_PREFIX = "base_model.model.";
    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    /** The PEFT release whose files these are (its adapter_config.json fields, in AgainstPeftTest). */
    static final String PEFT_VERSION = "0.21.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapterFiles() {
    }

    /** A read adapter: its config and its tensors (names without the {@code base_model.model.} prefix). */
    record Read(Path folder, LoraConfig config, SafetensorsFile file, Map<String, String> keys) {
        Set<String> tensorNames() {
            return keys.keySet();
        }

        boolean hasTensor(String name) {
            return keys.containsKey(name);
        }

        /** The tensor {@code name} as (rows, cols) f32 values, checked against that shape. */
        float[] tensor(String name, int rows, int cols) {
            TensorInfo info = info(name, rows, cols);
            return file.readFloats(info.name());
        }

        /** A whole tensor of {@code count} values converted to f32 off the heap (embeddings can be large). */
        FloatArray tensorOffHeap(String name, long count) {
            TensorInfo info = file.info(keys.get(name));
            if (info.elementCount() != count) {
                throw shapeError(info, "has " + info.elementCount() + " values, the model needs " + count);
            }
            MemorySegment data = file.data(info);
            FloatArray out = new FloatArray(count);
            for (long i = 0; i < count; i++) {
                out.set(i, info.dtype().floatAt(data, i));
            }
            return out;
        }

        private TensorInfo info(String name, int rows, int cols) {
            String key = keys.get(name);
            if (key == null) {
                throw new LorisException("the adapter in " + folder + " has no tensor " + KEY_PREFIX + name,
                        "load the adapter onto the base model it was trained on, with the same target modules");
            }
            TensorInfo info = file.info(key);
            if (!Arrays.equals(info.shape(), new long[] {rows, cols}) || !info.dtype().readableAsFloat()) {
                throw shapeError(info, "is " + info.dtype() + Arrays.toString(info.shape()) + " but the model needs ["
                        + rows + ", " + cols + "]");
            }
            return info;
        }

        private LorisException shapeError(TensorInfo info, String what) {
            return new LorisException("adapter tensor " + info.name() + " in " + file.path() + " " + what,
                    "this adapter was trained on another base model (or another rank): load it onto its own base"
                            + " model (base_model_name_or_path in " + CONFIG + ")");
        }
    }

    static Read read(Path folder) {
        Path configFile = folder.resolve(CONFIG);
        JsonNode json;
        try {
            json = JSON.readTree(Files.readString(configFile));
        } catch (NoSuchFileException e) {
            throw new LorisException("no " + CONFIG + " in " + folder, "give the folder a PEFT adapter was saved to"
                    + " (it holds " + CONFIG + " and " + WEIGHTS + ")");
        } catch (IOException e) {
            throw new LorisException("cannot read " + configFile + ": " + e.getMessage(), "check that it is the JSON"
                    + " PEFT wrote");
        }
        SafetensorsFile file;
        try {
            file = SafetensorsFile.open(folder.resolve(WEIGHTS));
        } catch (SafetensorsException e) {
            throw new LorisException(e.getMessage(), "the adapter needs its " + WEIGHTS + " as PEFT saved it");
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : file.names()) {
            if (!key.startsWith(KEY_PREFIX)) {
                file.close();
                throw new LorisException("adapter tensor " + key + " in " + file.path() + " does not start with "
                        + KEY_PREFIX, "Loris reads adapters saved by PEFT (or Loris) for a causal LM");
            }
            keys.put(key.substring(KEY_PREFIX.length()), key);
        }
        try {
            return new Read(folder, config(configFile, json, keys.keySet()), file, keys);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** LoraConfig from adapter_config.json, its target modules taken from the tensors present. */
    private static LoraConfig config(Path file, JsonNode json, Set<String> tensors) {
        String type = json.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw refuse(file, "peft_type is '" + type + "', not LORA", "Loris loads LoRA adapters");
        }
        requireFlag(file, json, "use_dora", "DoRA adapters");
        requireFlag(file, json, "lora_bias", "adapters with LoRA biases");
        requireFlag(file, json, "fan_in_fan_out", "fan_in_fan_out adapters (Conv1D models)");
        if (!json.path("bias").asText("none").equals("none")) {
            throw refuse(file, "bias is '" + json.path("bias").asText() + "'", "Loris trains and loads bias \"none\"");
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            if (json.path(pattern).size() > 0) {
                throw refuse(file, pattern + " sets per-module values", "Loris uses one rank and alpha per adapter");
            }
        }
        if (!json.path("layers_to_transform").isNull() && !json.path("layers_to_transform").isMissingNode()) {
            throw refuse(file, "layers_to_transform limits the adapter to some layers", "Loris adapts every layer");
        }
        int rank = json.path("r").asInt(8);
        Set<String> targets = new LinkedHashSet<>();
        for (String name : tensors) {
            if (name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight")) {
                String module = name.substring(0, name.length() - ".lora_A.weight".length());
                targets.add(module.substring(module.lastIndexOf('.') + 1));
            }
        }
        List<String> modulesToSave = new ArrayList<>();
        for (JsonNode m : json.path("modules_to_save")) {
            modulesToSave.add(m.asText());
        }
        try {
            return new LoraConfig(rank, json.path("lora_alpha").asDouble(8), json.path("use_rslora").asBoolean(false),
                    json.path("lora_dropout").asDouble(0), List.copyOf(targets), modulesToSave, 0);
        } catch (LorisException e) {
            throw refuse(file, e.getMessage(), "check the adapter's config");
        }
    }

    private static void requireFlag(Path file, JsonNode json, String flag, String what) {
        if (json.path(flag).asBoolean(false)) {
            throw refuse(file, flag + " is true", "Loris does not load " + what + " yet");
        }
    }

    private static LorisException refuse(Path file, String what, String hint) {
        return new LorisException(file + ": " + what, hint);
    }

    static void write(Path folder, LoraAdapter adapter, String baseModel) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new LorisException("cannot create " + folder + ": " + e.getMessage(), "choose a folder you can write");
        }
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        adapter.read().forEach((name, values) -> {
            long[] shape = shapeOf(adapter, name, values.length);
            writer.addFloats(KEY_PREFIX + name, Dtype.F32, shape, values);
        });
        writer.write(folder.resolve(WEIGHTS));
        writeText(folder.resolve(CONFIG), configJson(adapter.config(), baseModel));
        writeText(folder.resolve("README.md"), modelCard(baseModel));
    }

    private static long[] shapeOf(LoraAdapter adapter, String name, int count) {
        int r = adapter.config().rank();
        for (LoraAdapter.Module m : adapter.modules()) {
            if (name.equals(m.aName())) {
                return new long[] {r, m.in()};
            }
            if (name.equals(m.bName())) {
                return new long[] {m.out(), r};
            }
        }
        int hidden = adapter.decoder().config().hiddenSize();
        return new long[] {count / hidden, hidden}; // embed_tokens / lm_head: (vocab, hidden)
    }

    /** LoraConfig's serialised fields as PEFT 0.21 writes them for a LoRA on a causal LM. */
    static String configJson(LoraConfig config, String baseModel) {
        Map<String, Object> fields = new TreeMap<>();
        for (String unset : List.of("alora_invocation_tokens", "arrow_config", "auto_mapping", "corda_config",
                "eva_config", "exclude_modules", "kasa_config", "layer_replication", "layers_pattern",
                "layers_to_transform", "lora_ga_config", "megatron_config", "monteclora_config", "revision",
                "target_parameters", "trainable_token_indices", "use_bdlora", "velora_config")) {
            fields.put(unset, null);
        }
        fields.put("alpha_pattern", Map.of());
        fields.put("base_model_name_or_path", baseModel);
        fields.put("bias", "none");
        fields.put("ensure_weight_tying", false);
        fields.put("fan_in_fan_out", false);
        fields.put("inference_mode", true);
        fields.put("init_lora_weights", true);
        fields.put("loftq_config", Map.of());
        fields.put("lora_alpha", config.alpha() == Math.rint(config.alpha()) ? (Object) (long) config.alpha() : config.alpha());
        fields.put("lora_bias", false);
        fields.put("lora_dropout", config.dropout());
        fields.put("megatron_core", "megatron.core");
        fields.put("modules_to_save", config.modulesToSave().isEmpty() ? null : config.modulesToSave());
        fields.put("peft_type", "LORA");
        fields.put("peft_version", PEFT_VERSION);
        fields.put("qalora_group_size", 16);
        fields.put("r", config.rank());
        fields.put("rank_pattern", Map.of());
        fields.put("target_modules", config.targetModules());
        fields.put("task_type", "CAUSAL_LM");
        fields.put("use_dora", false);
        fields.put("use_qalora", false);
        fields.put("use_rslora", config.rsLora());
        return new PythonJson(true, 2, null, true).dumps(fields);
    }

    private static String modelCard(String baseModel) {
        return "---\nbase_model: " + baseModel + "\nlibrary_name: peft\npipeline_tag: text-generation\ntags:\n"
                + "- base_model:adapter:" + baseModel + "\n- lora\n- transformers\n- loris\n---\n\n# LoRA adapter\n\n"
                + "Trained with Loris. Load it with PEFT (`PeftModel.from_pretrained(base, folder)`) or Loris"
                + " (`loris generate --adapter`).\n";
    }

    /** A text file written atomically (as the weights are: AtomicFile). */
    private static void writeText(Path target, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(target, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }
}
