package dev.loris.lora;

import java.util.List;
import java.util.Map;

/**
 * JSON text as Python's {@code json.dumps(value, indent=2, sort_keys=True)} writes it, for files other tools
 * compare byte for byte: ", " and ": " separators, empty containers as {} and [], floats with a decimal point
 * (Python's repr: 0.0, 0.05), non-ASCII escaped as \\uXXXX (ensure_ascii). Keys must already be sorted
 * (a TreeMap) for sort_keys.
 */
final class PythonJson {
    private PythonJson() {
    }

    static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Integer i -> out.append(i);
            case Long l -> out.append(l);
            case Double d -> out.append(pythonFloat(d));
            case String s -> string(out, s);
            case Map<?, ?> map -> object(out, map, depth);
            case List<?> list -> array(out, list, depth);
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass());
        }
    }

    private static void object(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append("{\n");
        int i = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            indent(out, depth + 1);
            string(out, (String) e.getKey());
            out.append(": ");
            write(out, e.getValue(), depth + 1);
            out.append(++i < map.size() ? ",\n" : "\n");
        }
        indent(out, depth);
        out.append('}');
    }

    private static void array(StringBuilder out, List<?> list, int depth) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append("[\n");
        for (int i = 0; i < list.size(); i++) {
            indent(out, depth + 1);
            write(out, list.get(i), depth + 1);
            out.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        indent(out, depth);
        out.append(']');
    }

    private static void indent(StringBuilder out, int depth) {
        out.append("  ".repeat(depth));
    }

    /** Python's float repr: shortest round-trip digits, always with a '.' or an exponent. */
    static String pythonFloat(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return (long) d + ".0";
        }
        return Double.toString(d).replace("E", "e");
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7E) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
