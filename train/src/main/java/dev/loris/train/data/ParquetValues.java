package dev.loris.train.data;

import org.apache.parquet.example.data.Group;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Parquet record (parquet-java's example {@link Group}) as plain Java values, following the Parquet spec's
 * nesting rules: a LIST-annotated group is a list (the standard three levels, {@code list / element}, and the
 * legacy two-level forms), a MAP-annotated group a map with string keys, any other group a map of its fields,
 * an unannotated repeated field a list. Strings are BINARY annotated STRING, ENUM or JSON; other binary values
 * (images, audio) become null, since no chat template reads them.
 */
final class ParquetValues {
    private ParquetValues() {
    }

    static Map<String, Object> row(Group record) {
        return struct(record);
    }

    private static Map<String, Object> struct(Group group) {
        GroupType type = group.getType();
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < type.getFieldCount(); i++) {
            Type field = type.getType(i);
            int count = group.getFieldRepetitionCount(i);
            if (field.isRepetition(Type.Repetition.REPEATED)) {
                List<Object> values = new ArrayList<>(count);
                for (int r = 0; r < count; r++) {
                    values.add(single(group, i, r, field));
                }
                out.put(field.getName(), values);
            } else {
                out.put(field.getName(), count == 0 ? null : single(group, i, 0, field));
            }
        }
        return out;
    }

    private static Object single(Group group, int field, int index, Type type) {
        if (type.isPrimitive()) {
            return primitive(group, field, index, type.asPrimitiveType());
        }
        Group child = group.getGroup(field, index);
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
            return list(child);
        }
        if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.MapKeyValueTypeAnnotation) {
            return map(child);
        }
        return struct(child);
    }

    /** LIST: one repeated field; three-level when it is a group of one field not named like a legacy struct. */
    private static List<Object> list(Group listGroup) {
        GroupType listType = listGroup.getType();
        List<Object> values = new ArrayList<>();
        if (listType.getFieldCount() != 1) {
            values.add(struct(listGroup));
            return values;
        }
        Type repeated = listType.getType(0);
        int count = listGroup.getFieldRepetitionCount(0);
        boolean threeLevel = !repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1
                && !repeated.getName().equals("array") && !repeated.getName().endsWith("_tuple");
        for (int r = 0; r < count; r++) {
            if (!threeLevel) {
                values.add(single(listGroup, 0, r, repeated));
                continue;
            }
            Group wrapper = listGroup.getGroup(0, r);
            Type element = repeated.asGroupType().getType(0);
            values.add(wrapper.getFieldRepetitionCount(0) == 0 ? null : single(wrapper, 0, 0, element));
        }
        return values;
    }

    /** MAP: repeated key_value groups of (key, value). */
    private static Map<String, Object> map(Group mapGroup) {
        Map<String, Object> out = new LinkedHashMap<>();
        int count = mapGroup.getFieldRepetitionCount(0);
        for (int r = 0; r < count; r++) {
            Group entry = mapGroup.getGroup(0, r);
            GroupType entryType = entry.getType();
            Object key = single(entry, 0, 0, entryType.getType(0));
            Object value = entryType.getFieldCount() > 1 && entry.getFieldRepetitionCount(1) > 0
                    ? single(entry, 1, 0, entryType.getType(1)) : null;
            out.put(String.valueOf(key), value);
        }
        return out;
    }

    private static Object primitive(Group group, int field, int index, PrimitiveType type) {
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        return switch (type.getPrimitiveTypeName()) {
            case BINARY, FIXED_LEN_BYTE_ARRAY -> logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                    || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                    || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation
                    ? group.getBinary(field, index).toStringUsingUTF8() : null;
            case BOOLEAN -> group.getBoolean(field, index);
            case INT32 -> (long) group.getInteger(field, index);
            case INT64 -> group.getLong(field, index);
            case FLOAT -> (double) group.getFloat(field, index);
            case DOUBLE -> group.getDouble(field, index);
            case INT96 -> null;
        };
    }
}
