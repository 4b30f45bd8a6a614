package dev.loris.train.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row in a known format as an {@link Example}, or a {@link BadRowException} saying what is missing or
 * mistyped. Roles are normalised so every template sees system / user / assistant / tool:
 * ShareGPT's human → user, gpt / model / chatgpt / bard / bing / claude / function_call → assistant,
 * observation / function_response / function / ipython → tool; OpenAI's developer → system.
 * Content given as a list of text parts is joined; image or audio parts are refused (Loris trains text).
 * A list stored as a JSON string (a CSV cell, a string column) is parsed.
 */
final class RowConverter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ROLES = Map.ofEntries(
            Map.entry("system", "system"), Map.entry("developer", "system"),
            Map.entry("user", "user"), Map.entry("human", "user"),
            Map.entry("assistant", "assistant"), Map.entry("gpt", "assistant"), Map.entry("model", "assistant"),
            Map.entry("chatgpt", "assistant"), Map.entry("bard", "assistant"), Map.entry("bing", "assistant"),
            Map.entry("claude", "assistant"), Map.entry("function_call", "assistant"),
            Map.entry("tool", "tool"), Map.entry("function", "tool"), Map.entry("ipython", "tool"),
            Map.entry("observation", "tool"), Map.entry("function_response", "tool"));

    private RowConverter() {
    }

    /** The example of a row, or null for a raw-text row whose text is empty (counted, not an error). */
    static Example convert(DataRow row, DataFormat format, String textField) {
        return switch (format) {
            case TEXT -> text(row, textField);
            case ALPACA -> alpaca(row);
            case SHAREGPT -> shareGpt(row);
            case MESSAGES -> messages(row);
            case AUTO -> throw new IllegalArgumentException("detect the format first");
        };
    }

    private static Example text(DataRow row, String textField) {
        String text = string(row, textField, true);
        return text.isEmpty() ? null : new Example.Text(text, row.origin());
    }

    private static Example alpaca(DataRow row) {
        String instruction = string(row, "instruction", true);
        String input = string(row, "input", false);
        String output = string(row, "output", true);
        String system = string(row, "system", false);
        List<Map<String, Object>> messages = new ArrayList<>();
        if (!system.isEmpty()) {
            messages.add(message("system", system));
        }
        Map<String, Object> user = message("user", input.isEmpty() ? instruction : instruction + "\n\n" + input);
        user.put("instruction", instruction); // the alpaca template shows these as ### Instruction / ### Input
        user.put("input", input);
        messages.add(user);
        messages.add(message("assistant", output));
        return new Example.Chat(messages, row.origin());
    }

    private static Example shareGpt(DataRow row) {
        String key = row.fields().containsKey("conversations") ? "conversations" : "messages";
        List<?> turns = turns(row, key);
        List<Map<String, Object>> messages = new ArrayList<>();
        String system = string(row, "system", false);
        if (!system.isEmpty()) {
            messages.add(message("system", system));
        }
        for (int i = 0; i < turns.size(); i++) {
            Map<?, ?> turn = turnMap(row, key, i, turns.get(i));
            String where = key + "[" + i + "]";
            String role = role(row, where + ".from", turn.get("from"));
            if (!(turn.get("value") instanceof String value)) {
                throw new BadRowException(row.origin(), where + ".value is " + describe(turn.get("value"))
                        + ", not a string");
            }
            messages.add(message(role, value));
        }
        return new Example.Chat(messages, row.origin());
    }

    private static Example messages(DataRow row) {
        String key = row.fields().containsKey("messages") ? "messages"
                : row.fields().containsKey("conversations") ? "conversations" : "conversation";
        List<?> turns = turns(row, key);
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < turns.size(); i++) {
            Map<?, ?> turn = turnMap(row, key, i, turns.get(i));
            String where = key + "[" + i + "]";
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", role(row, where + ".role", turn.get("role")));
            message.put("content", content(row, where, turn.get("content")));
            turn.forEach((k, v) -> {
                if (v != null && !"role".equals(k) && !"content".equals(k)) {
                    message.put(String.valueOf(k), v); // nulls dropped: templates test 'tool_calls' in message
                }
            });
            messages.add(message);
        }
        return new Example.Chat(messages, row.origin());
    }

    private static List<?> turns(DataRow row, String key) {
        Object value = jsonList(row.fields().get(key));
        if (!(value instanceof List<?> list)) {
            throw new BadRowException(row.origin(), "'" + key + "' is " + describe(value) + ", not a list of turns");
        }
        if (list.isEmpty()) {
            throw new BadRowException(row.origin(), "'" + key + "' is an empty list");
        }
        return list;
    }

    private static Map<?, ?> turnMap(DataRow row, String key, int i, Object turn) {
        if (!(turn instanceof Map<?, ?> map)) {
            throw new BadRowException(row.origin(), key + "[" + i + "] is " + describe(turn) + ", not an object");
        }
        return map;
    }

    private static String role(DataRow row, String where, Object value) {
        if (!(value instanceof String name)) {
            throw new BadRowException(row.origin(), where + " is " + describe(value) + ", not a role name");
        }
        String role = ROLES.get(name.strip().toLowerCase(java.util.Locale.ROOT));
        if (role == null) {
            throw new BadRowException(row.origin(), where + " is the unknown role '" + name
                    + "' (known: system, user, assistant, tool and ShareGPT's human, gpt, ...)");
        }
        return role;
    }

    private static String content(DataRow row, String where, Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof List<?> parts) {
            StringBuilder joined = new StringBuilder();
            for (Object part : parts) {
                if (part instanceof Map<?, ?> map && "text".equals(map.get("type")) && map.get("text") instanceof String t) {
                    joined.append(t);
                } else {
                    throw new BadRowException(row.origin(), where + ".content has a part that is not text ("
                            + describe(part) + "); Loris trains on text only");
                }
            }
            return joined.toString();
        }
        throw new BadRowException(row.origin(), where + ".content is " + describe(value) + ", not a string");
    }

    private static String string(DataRow row, String key, boolean required) {
        Object value = row.fields().get(key);
        if (value == null) {
            if (required) {
                throw new BadRowException(row.origin(), "the field '" + key + "' is missing (fields: "
                        + row.fields().keySet() + ")");
            }
            return "";
        }
        if (!(value instanceof String text)) {
            throw new BadRowException(row.origin(), "the field '" + key + "' is " + describe(value) + ", not a string");
        }
        return text;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", role);
        message.put("content", content);
        return message;
    }

    /** A list stored as JSON text is parsed; anything else is returned as is. */
    static Object jsonList(Object value) {
        if (value instanceof String text && text.stripLeading().startsWith("[")) {
            try {
                return JSON.readValue(text, List.class);
            } catch (JsonProcessingException e) {
                return value;
            }
        }
        return value;
    }

    private static String describe(Object value) {
        if (value == null) {
            return "missing";
        }
        String text = String.valueOf(value);
        String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return (value instanceof Map<?, ?> ? "an object " : value instanceof List<?> ? "a list " : "")
                + (value instanceof String ? "\"" + shown + "\"" : shown);
    }
}
