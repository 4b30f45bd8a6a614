package dev.loris.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.loris.model.SmallTextFile;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A sharded checkpoint's {@code model.safetensors.index.json}: {@code weight_map} says which shard file holds
 * each tensor, {@code metadata.total_size} the sum of the tensors' byte sizes (not of the file sizes).
 *
 * <p>Reading checks the shape of the JSON and that every shard is a plain file name in the same folder (an
 * index cannot send Loris to {@code ../../elsewhere}); the shards themselves are checked by
 * {@link SafetensorsCheckpoint}. Writing produces what transformers' {@code save_pretrained} writes:
 * {@code json.dumps(index, indent=2, sort_keys=True) + "\n"}, non-ASCII escaped.
 */
record ShardIndex(Map<String, String> weightMap, OptionalLong totalSize) {
    /** The index file name transformers and huggingface_hub use for model weights. */
    static final String FILE_NAME = "model.safetensors.index.json";

    private static final String REDOWNLOAD = "download " + FILE_NAME + " again";
    /** The largest index read (DeepSeek V3's, with 90,000 tensors, is 9 MB). */
    static final long MAX_FILE_BYTES = 64L << 20;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    ShardIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Reads and checks {@code indexFile}. */
    static ShardIndex read(Path indexFile) {
        String text = SmallTextFile.readIfExists(indexFile, MAX_FILE_BYTES,
                (problem, hint, cause) -> new SafetensorsException(indexFile, null, problem, hint, cause));
        if (text == null) {
            throw new SafetensorsException(indexFile, "does not exist", REDOWNLOAD);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(indexFile, null, "is not valid JSON: " + e.getOriginalMessage(),
                    REDOWNLOAD, e);
        }
        JsonNode weights = root == null ? null : root.get("weight_map");
        if (weights == null || !weights.isObject()) {
            throw new SafetensorsException(indexFile, "has no \"weight_map\" object", REDOWNLOAD);
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weights.properties()) {
            JsonNode shard = entry.getValue();
            if (!shard.isTextual() || !isPlainFileName(shard.textValue())) {
                throw new SafetensorsException(indexFile, entry.getKey(), "weight_map gives " + shard
                        + " as its shard, which is not a file name in the index's folder", REDOWNLOAD);
            }
            weightMap.put(entry.getKey(), shard.textValue());
        }
        JsonNode total = root.path("metadata").path("total_size");
        OptionalLong totalSize = total.isIntegralNumber() && total.canConvertToLong()
                ? OptionalLong.of(total.longValue()) : OptionalLong.empty();
        return new ShardIndex(weightMap, totalSize);
    }

    /** The index as transformers writes it: two-space indent, keys sorted, a final newline. */
    String toJson() {
        StringBuilder out = new StringBuilder("{\n");
        if (totalSize.isPresent()) {
            out.append("  \"metadata\": {\n    \"total_size\": ").append(totalSize.getAsLong()).append("\n  },\n");
        }
        out.append("  \"weight_map\": {");
        String separator = "\n";
        for (Map.Entry<String, String> entry : new TreeMap<>(weightMap).entrySet()) {
            out.append(separator).append("    ").append(quote(entry.getKey())).append(": ")
                    .append(quote(entry.getValue()));
            separator = ",\n";
        }
        return out.append(weightMap.isEmpty() ? "}\n}\n" : "\n  }\n}\n").toString();
    }

    private static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a string always serialises", e);
        }
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }
}
