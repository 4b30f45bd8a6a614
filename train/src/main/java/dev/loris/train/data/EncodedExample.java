package dev.loris.train.data;

/**
 * One example as tokens: ids, and per token whether it is trained (its id is a label). The decoder's label
 * at position t is the id at t + 1 when token t + 1 is trained ({@code Batch.of} shifts), so a sequence
 * teaches {@link #labelCount()} predictions.
 *
 * @param ids       (tokens) token ids, at most max-seq-length of them
 * @param trained   (tokens) whether each token is a label
 * @param truncated whether the row was longer than max-seq-length and cut
 * @param origin    the row it came from
 */
public record EncodedExample(int[] ids, boolean[] trained, boolean truncated, RowOrigin origin) {
    public EncodedExample {
        if (ids.length != trained.length) {
            throw new IllegalArgumentException("ids and mask differ in length");
        }
    }

    /** Predictions this sequence trains: trained tokens after the first (the first has no predecessor). */
    public int labelCount() {
        int n = 0;
        for (int t = 1; t < trained.length; t++) {
            if (trained[t]) {
                n++;
            }
        }
        return n;
    }

    /** The labels as {@code Batch.of} takes them, unshifted: the id where trained, -100 elsewhere. */
    public int[] labels() {
        int[] labels = new int[ids.length];
        for (int t = 0; t < ids.length; t++) {
            labels[t] = trained[t] ? ids[t] : dev.loris.model.decoder.Batch.IGNORED;
        }
        return labels;
    }
}
