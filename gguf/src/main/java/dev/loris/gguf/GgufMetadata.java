package dev.loris.gguf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value section of a GGUF file, in insertion order (the order written). Keys are unique and
 * non-empty, as llama.cpp's reader insists. The typed {@code put*} methods use the types gguf-py writes for
 * the same keys (counts UINT32, floats FLOAT32), which is what llama.cpp's loader expects.
 */
public final class GgufMetadata {
    private final Map<String, GgufValue> entries = new LinkedHashMap<>();

    public GgufMetadata put(String key, GgufValue value) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("GGUF metadata keys must not be empty");
        }
        if (entries.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("metadata key '" + key + "' is set twice");
        }
        return this;
    }

    public GgufMetadata putString(String key, String value) {
        return put(key, GgufValue.scalar(GgufValueType.STRING, value));
    }

    public GgufMetadata putUint32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + " = " + value + " does not fit UINT32");
        }
        return put(key, GgufValue.scalar(GgufValueType.UINT32, value));
    }

    public GgufMetadata putInt32(String key, int value) {
        return put(key, GgufValue.scalar(GgufValueType.INT32, (long) value));
    }

    public GgufMetadata putUint64(String key, long value) {
        return put(key, GgufValue.scalar(GgufValueType.UINT64, value));
    }

    public GgufMetadata putFloat32(String key, double value) {
        return put(key, GgufValue.scalar(GgufValueType.FLOAT32, (float) value));
    }

    public GgufMetadata putBool(String key, boolean value) {
        return put(key, GgufValue.scalar(GgufValueType.BOOL, value));
    }

    public GgufMetadata putStrings(String key, List<String> values) {
        return put(key, GgufValue.array(GgufValueType.STRING, values));
    }

    public GgufMetadata putInt32s(String key, int[] values) {
        List<Long> boxed = new ArrayList<>(values.length);
        for (int v : values) {
            boxed.add((long) v);
        }
        return put(key, GgufValue.array(GgufValueType.INT32, boxed));
    }

    public GgufMetadata putFloat32s(String key, float[] values) {
        List<Float> boxed = new ArrayList<>(values.length);
        for (float v : values) {
            boxed.add(v);
        }
        return put(key, GgufValue.array(GgufValueType.FLOAT32, boxed));
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<GgufValue> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The value of {@code key}; an exception naming the key when it is absent. */
    public GgufValue get(String key) {
        GgufValue value = entries.get(key);
        if (value == null) {
            throw new GgufException("GGUF metadata has no key '" + key + "'", "the file was not written for "
                    + "this use; export it again with loris export");
        }
        return value;
    }

    public String string(String key) {
        return (String) get(key).value();
    }

    public long integer(String key) {
        return get(key).asLong();
    }

    public Map<String, GgufValue> entries() {
        return Collections.unmodifiableMap(entries);
    }

    public int size() {
        return entries.size();
    }

    public List<String> keys() {
        return List.copyOf(entries.keySet());
    }
}
