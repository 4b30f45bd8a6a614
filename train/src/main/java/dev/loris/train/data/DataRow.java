package dev.loris.train.data;

import java.util.Map;

/**
 * One dataset row as plain Java values, whatever the file format: String, Long / Double, Boolean,
 * {@code List<Object>}, {@code Map<String, Object>} (insertion-ordered) or null.
 */
public record DataRow(Map<String, Object> fields, RowOrigin origin) {
}
