package dev.loris.model.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of one JSON object of config.json, each failure a ConfigException naming the file and the
 * full key path ("config.json: rope_scaling.factor must be a number, found string \"8\"").
 *
 * <p>"Absent" and JSON null are the same to the {@code optional*} reads, as they are to transformers'
 * config classes; the few keys where an explicit null means something else are checked with
 * {@link #isExplicitNull}. Integers must be JSON integers (4096, not 4096.0 or "4096").
 */
final class ConfigJson {
    private final JsonNode object;
    private final String source;
    private final String prefix;

    ConfigJson(JsonNode object, String source) {
        this(object, source, "");
    }

    private ConfigJson(JsonNode object, String source, String prefix) {
        this.object = object;
        this.source = source;
        this.prefix = prefix;
    }

    /** The file name used in messages, e.g. "/models/llama/config.json". */
    String source() {
        return source;
    }

    boolean has(String key) {
        JsonNode node = object.get(key);
        return node != null && !node.isNull();
    }

    /** Whether the key is written at all, with a value or null. */
    boolean present(String key) {
        return object.has(key);
    }

    boolean isExplicitNull(String key) {
        JsonNode node = object.get(key);
        return node != null && node.isNull();
    }

    int requiredInt(String key) {
        if (!has(key)) {
            throw error(key + " is missing", "a Hugging Face config.json of this family always has it; "
                    + "the file may be truncated or belong to another kind of model");
        }
        return intValue(key, object.get(key));
    }

    Integer optionalInt(String key) {
        return has(key) ? intValue(key, object.get(key)) : null;
    }

    int intOr(String key, int fallback) {
        Integer value = optionalInt(key);
        return value == null ? fallback : value;
    }

    double doubleOr(String key, double fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode node = object.get(key);
        if (!node.isNumber()) {
            throw wrongType(key, "a number", node);
        }
        return node.doubleValue();
    }

    boolean booleanOr(String key, boolean fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode node = object.get(key);
        if (!node.isBoolean()) {
            throw wrongType(key, "true or false", node);
        }
        return node.booleanValue();
    }

    String stringOr(String key, String fallback) {
        if (!has(key)) {
            return fallback;
        }
        JsonNode node = object.get(key);
        if (!node.isTextual()) {
            throw wrongType(key, "a string", node);
        }
        return node.textValue();
    }

    /** An integer or a list of integers (eos_token_id); empty when absent. */
    List<Integer> intOrIntList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode node = object.get(key);
        if (!node.isArray()) {
            return List.of(intValue(key, node));
        }
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            values.add(intValue(key + "[" + i + "]", node.get(i)));
        }
        return List.copyOf(values);
    }

    /** A list of strings (layer_types); empty when absent. */
    List<String> stringList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode node = object.get(key);
        if (!node.isArray()) {
            throw wrongType(key, "a list of strings", node);
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                throw wrongType(key + "[" + i + "]", "a string", item);
            }
            values.add(item.textValue());
        }
        return List.copyOf(values);
    }

    /** A list of numbers (LongRoPE's factors) as f32, as torch.tensor(..., dtype=float32) rounds them; null when absent. */
    float[] floatListOrNull(String key) {
        if (!has(key)) {
            return null;
        }
        JsonNode node = object.get(key);
        if (!node.isArray()) {
            throw wrongType(key, "a list of numbers", node);
        }
        float[] values = new float[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isNumber()) {
                throw wrongType(key + "[" + i + "]", "a number", item);
            }
            values[i] = (float) item.doubleValue();
        }
        return values;
    }

    /** A nested object, or null when absent, null or empty ({} means "nothing set", as in transformers). */
    ConfigJson objectOrNull(String key) {
        if (!has(key)) {
            return null;
        }
        JsonNode node = object.get(key);
        if (!node.isObject()) {
            throw wrongType(key, "an object", node);
        }
        return node.isEmpty() ? null : new ConfigJson(node, source, prefix + key + ".");
    }

    /** A ConfigException about {@code key} of this object: "<source>: <prefix><what>". */
    ConfigException error(String what, String hint) {
        return new ConfigException(source + ": " + prefix + what, hint);
    }

    private int intValue(String key, JsonNode node) {
        if (!node.isIntegralNumber()) {
            throw wrongType(key, "an integer", node);
        }
        if (!node.canConvertToInt()) {
            throw error(key + " = " + node + " is out of range", "expected a value below 2^31");
        }
        return node.intValue();
    }

    private ConfigException wrongType(String key, String expected, JsonNode found) {
        return error(key + " must be " + expected + ", found " + describe(found),
                "fix the value in config.json (the file as saved by transformers has the right type)");
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + text;
    }
}
