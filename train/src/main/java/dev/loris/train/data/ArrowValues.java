package dev.loris.train.data;

import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arrow Java's row values ({@code getObject}: Text, JsonStringArrayList, JsonStringHashMap, boxed numbers) as
 * plain Java values, guided by the field's type: strings, lists, maps (structs by field name, Arrow maps by
 * key), Long, Double, Boolean. Binary values (images, audio) become null, since no chat template reads them.
 */
final class ArrowValues {
    private ArrowValues() {
    }

    static Object plain(Object value, Field field) {
        if (value == null) {
            return null;
        }
        ArrowType type = field.getType();
        return switch (type.getTypeID()) {
            case Utf8, LargeUtf8, Utf8View -> value.toString();
            case List, LargeList, FixedSizeList, ListView, LargeListView -> list((List<?>) value, field.getChildren().getFirst());
            case Struct -> struct((Map<?, ?>) value, field);
            case Map -> map((List<?>) value, field);
            case Int -> ((Number) value).longValue();
            case FloatingPoint, Decimal -> ((Number) value).doubleValue();
            case Bool -> value;
            case Binary, LargeBinary, FixedSizeBinary, BinaryView -> null;
            default -> value.toString();
        };
    }

    private static List<Object> list(List<?> values, Field element) {
        List<Object> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add(plain(v, element));
        }
        return out;
    }

    private static Map<String, Object> struct(Map<?, ?> values, Field field) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Field child : field.getChildren()) {
            out.put(child.getName(), plain(values.get(child.getName()), child));
        }
        return out;
    }

    /** An Arrow map is a list of {key, value} structs. */
    private static Map<String, Object> map(List<?> entries, Field field) {
        Field entry = field.getChildren().getFirst();
        Field keyField = entry.getChildren().get(0);
        Field valueField = entry.getChildren().get(1);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object e : entries) {
            Map<?, ?> pair = (Map<?, ?>) e;
            out.put(String.valueOf(plain(pair.get(keyField.getName()), keyField)),
                    plain(pair.get(valueField.getName()), valueField));
        }
        return out;
    }
}
