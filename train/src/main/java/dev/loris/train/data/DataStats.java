package dev.loris.train.data;

import java.util.List;
import java.util.Map;

/**
 * What preparing a dataset found, for the run summary and for messages.
 *
 * @param rows               rows read from the files (bad and empty ones included)
 * @param examples           examples tokenized into the cache
 * @param skippedRows        malformed rows skipped (only with skipBadRows)
 * @param skippedExamples    the first few skipped rows' messages ("file line N: what")
 * @param emptyRows          raw-text rows with empty text (skipped silently, counted)
 * @param truncatedRows      examples longer than max-seq-length, cut
 * @param unlabelledExamples examples left with no trained token (no assistant turn, or truncated before it);
 *                           kept out of training and evaluation
 * @param firstUnlabelled    the row of the first of those, or null
 * @param tokens             tokens over all examples
 * @param labelTokens        trained predictions over all examples
 * @param formats            the row format used per file
 * @param template           the chat template used (or null when no row was a conversation)
 */
public record DataStats(long rows, long examples, long skippedRows, List<String> skippedExamples, long emptyRows,
                        long truncatedRows, long unlabelledExamples, String firstUnlabelled, long tokens,
                        long labelTokens, Map<String, String> formats, String template) {
    public DataStats {
        skippedExamples = List.copyOf(skippedExamples);
        formats = Map.copyOf(formats);
    }
}
