package dev.loris.train.data;

import java.util.List;
import java.util.Map;

/** A row after format conversion: raw text, or a conversation in normalised role/content messages. */
public sealed interface Example {
    RowOrigin origin();

    /** Continued pretraining: every token is trained. */
    record Text(String text, RowOrigin origin) implements Example {
    }

    /**
     * A conversation as a chat template takes it: maps with "role" (system, user, assistant, tool), "content"
     * (a string) and whatever else the row carried (tool_calls, name, reasoning_content, ...), nulls dropped.
     */
    record Chat(List<Map<String, Object>> messages, RowOrigin origin) implements Example {
    }
}
