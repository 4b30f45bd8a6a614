package dev.loris.train.data;

import dev.loris.LorisException;

import java.util.List;
import java.util.Map;

/**
 * Tells a file's row format from its first row's fields, as Unsloth's and TRL's dataset helpers do:
 * {@code messages} → MESSAGES; {@code conversations} → SHAREGPT when its turns have from/value, MESSAGES when
 * they have role/content; {@code instruction} + {@code output} → ALPACA; the text column → TEXT.
 */
final class FormatDetector {
    private FormatDetector() {
    }

    static DataFormat detect(DataRow row, String textField) {
        Map<String, Object> fields = row.fields();
        for (String key : List.of("messages", "conversations", "conversation")) {
            Object turns = RowConverter.jsonList(fields.get(key));
            if (turns instanceof List<?> list && !list.isEmpty() && list.getFirst() instanceof Map<?, ?> first) {
                if (first.containsKey("from") && first.containsKey("value")) {
                    return DataFormat.SHAREGPT;
                }
                if (first.containsKey("role")) {
                    return DataFormat.MESSAGES;
                }
            }
        }
        if (fields.get("instruction") != null && fields.get("output") != null) {
            return DataFormat.ALPACA;
        }
        if (fields.containsKey(textField)) {
            return DataFormat.TEXT;
        }
        throw new LorisException("cannot tell the format of " + row.origin().file() + " from its first row "
                + "(" + row.origin() + ", fields " + fields.keySet() + ")",
                "name it with --format (text, alpaca, sharegpt, messages), or use the usual columns: messages "
                        + "(role/content), conversations (from/value), instruction + input + output, or text");
    }
}
