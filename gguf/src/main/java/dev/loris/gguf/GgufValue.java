package dev.loris.gguf;

import java.util.List;
import java.util.Objects;

/**
 * One metadata value with its GGUF type. Java representation by type: integers as {@link Long} (UINT64 as
 * its two's-complement bits), FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as {@link Boolean},
 * STRING as {@link String}, ARRAY as a {@link List} of such values, all of {@code elementType}.
 *
 * @param elementType the type of an ARRAY's elements; null for scalars
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if ((type == GgufValueType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("an element type goes with ARRAY values only");
        }
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("llama.cpp reads no arrays of arrays");
        }
        if (type == GgufValueType.ARRAY) {
            value = List.copyOf((List<?>) value);
        }
    }

    public static GgufValue scalar(GgufValueType type, Object value) {
        return new GgufValue(type, null, value);
    }

    public static GgufValue array(GgufValueType elementType, List<?> values) {
        return new GgufValue(GgufValueType.ARRAY, elementType, values);
    }

    /** The elements of an ARRAY value. */
    public List<?> elements() {
        if (type != GgufValueType.ARRAY) {
            throw new IllegalStateException(type + " is not an array");
        }
        return (List<?>) value;
    }

    /** The value as a long, for any integer type. */
    public long asLong() {
        if (!(value instanceof Long number)) {
            throw new IllegalStateException(type + " is not an integer");
        }
        return number;
    }

    /** The value as a double, for FLOAT32 and FLOAT64. */
    public double asDouble() {
        if (value instanceof Float f) {
            return f;
        }
        if (value instanceof Double d) {
            return d;
        }
        throw new IllegalStateException(type + " is not a float");
    }

    @Override
    public String toString() {
        if (type == GgufValueType.ARRAY) {
            List<?> list = elements();
            return elementType + "[" + list.size() + "]" + (list.size() <= 8 ? list : list.subList(0, 8) + "...");
        }
        return type + " " + value;
    }
}
