package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;

/**
 * Packs whole examples, in the given order, into {@link Batch}es: each batch takes examples while their
 * tokens fit {@code tokensPerBatch} and (when not packing) while it holds fewer than {@code maxSequences}.
 * Sequences are never split (each is at most max-seq-length, at most the budget); positions restart at 0 for
 * each and attention never crosses them ({@code Batch.of}); labels are shifted inside each sequence, so the
 * last token of one never predicts the first of the next.
 *
 * <p>A batch whose every label is masked is refused with a LorisException naming the template and a row:
 * its loss would be 0/0.
 */
public final class Packer {
    private final TokenCache cache;
    private final int tokensPerBatch;
    private final int maxSequences;
    private final String template;

    /**
     * @param tokensPerBatch token budget of a batch (batch size x max-seq-length when packing)
     * @param maxSequences   most sequences per batch (Integer.MAX_VALUE when packing)
     * @param template       how messages name the chat template
     */
    public Packer(TokenCache cache, int tokensPerBatch, int maxSequences, String template) {
        this.cache = cache;
        this.tokensPerBatch = tokensPerBatch;
        this.maxSequences = maxSequences;
        this.template = template;
    }

    /** How many examples of {@code order} from {@code from} the next batch takes (at least 1 when any are left). */
    public int take(int[] order, int from) {
        int tokens = 0;
        int count = 0;
        while (from + count < order.length && count < maxSequences) {
            int length = cache.length(order[from + count]);
            if (count > 0 && tokens + length > tokensPerBatch) {
                break;
            }
            tokens += length;
            count++;
        }
        return count;
    }

    /** The batch of {@code order[from, from + count)}. */
    public Batch batch(int[] order, int from, int count) {
        int[][] ids = new int[count][];
        int[][] labels = new int[count][];
        int labelled = 0;
        for (int s = 0; s < count; s++) {
            int example = order[from + s];
            int n = cache.length(example);
            ids[s] = new int[n];
            labels[s] = new int[n];
            cache.ids(example, ids[s], 0);
            cache.labels(example, ids[s], 0, labels[s], 0);
            labelled += cache.labelCount(example);
        }
        if (labelled == 0) {
            throw allMasked(cache.origin(order[from]), count);
        }
        return Batch.of(ids, labels);
    }

    private LorisException allMasked(RowOrigin row, int sequences) {
        return allMasked("every label of a batch of " + sequences + " sequence(s) is masked (-100)", template, row);
    }

    /** The error for data whose every label is masked: what was found, the template, a row, and what to check. */
    static LorisException allMasked(String what, String template, RowOrigin row) {
        return new LorisException(what + ", so there is nothing to learn from it; with " + template + ", e.g. " + row,
                "check that the rows have assistant turns, that --max-seq-length leaves room for the responses "
                        + "after the prompt, and that the template marks assistant turns (try another "
                        + "--chat-template), or train on whole conversations");
    }
}
