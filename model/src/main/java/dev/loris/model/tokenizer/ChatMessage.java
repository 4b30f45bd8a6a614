package dev.loris.model.tokenizer;

import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation with plain text content ("system", "user", "assistant", "tool"). Richer
 * messages (tool calls, content parts) go to {@link ChatTemplate#renderMaps} as maps.
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** {role, content}, in that order, as a template sees a message. */
    public Map<String, Object> asMap() {
        var map = new java.util.LinkedHashMap<String, Object>();
        map.put("role", role);
        map.put("content", content);
        return map;
    }
}
