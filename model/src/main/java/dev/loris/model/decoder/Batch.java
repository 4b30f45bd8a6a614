package dev.loris.model.decoder;

import dev.loris.LorisException;

import java.util.Arrays;

/**
 * A batch as the decoder reads it: the tokens of one or more sequences concatenated ("packed"), with per
 * token its position in its own sequence (RoPE restarts at 0 for each sequence), the index of its sequence's
 * first token (attention never crosses sequences), and its label: the id of the next token of the same
 * sequence, or {@link #IGNORED} at a sequence's end or where the caller masks the loss. No padding: a
 * padded (batch, length) input becomes its real tokens only.
 *
 * <p>Host arrays, all of length {@link #tokens()}; the decoder copies them to the device.
 */
public record Batch(int[] ids, int[] positions, int[] sequenceStarts, int[] labels) {
    /** transformers' ignore_index. */
    public static final int IGNORED = -100;

    public Batch {
        int n = ids.length;
        if (positions.length != n || sequenceStarts.length != n || labels.length != n) {
            throw new IllegalArgumentException("ids, positions, sequence starts and labels differ in length");
        }
        if (n == 0) {
            throw new LorisException("an empty batch", "give at least one token");
        }
    }

    public int tokens() {
        return ids.length;
    }

    /** The labels of the loss that are not {@link #IGNORED}. */
    public int labelledTokens() {
        return (int) Arrays.stream(labels).filter(l -> l != IGNORED).count();
    }

    /** Sequences of ids, each predicting its own next tokens (the last token of each has no label). */
    public static Batch of(int[]... sequences) {
        return of(sequences, sequences);
    }

    /**
     * Sequences of ids with their label ids as transformers takes them, unshifted ({@code labels[s][t]} is
     * what position t holds, {@link #IGNORED} to leave it out of the loss): token t is trained to predict
     * {@code labels[s][t + 1]}, the causal-LM shift transformers applies inside its loss.
     */
    public static Batch of(int[][] sequences, int[][] labels) {
        int n = Arrays.stream(sequences).mapToInt(s -> s.length).sum();
        int[] ids = new int[n];
        int[] positions = new int[n];
        int[] starts = new int[n];
        int[] shifted = new int[n];
        int at = 0;
        for (int s = 0; s < sequences.length; s++) {
            int[] seq = sequences[s];
            if (labels[s].length != seq.length) {
                throw new IllegalArgumentException("sequence " + s + " has " + seq.length + " ids but "
                        + labels[s].length + " labels");
            }
            for (int t = 0; t < seq.length; t++) {
                ids[at + t] = seq[t];
                positions[at + t] = t;
                starts[at + t] = at;
                shifted[at + t] = t + 1 < seq.length ? labels[s][t + 1] : IGNORED;
            }
            at += seq.length;
        }
        return new Batch(ids, positions, starts, shifted);
    }

    /**
     * A right-padded (batch, length) input as transformers takes it: row r's real tokens are where
     * {@code mask[r][t]} is 1, which must be a prefix of the row.
     */
    public static Batch fromPadded(long[][] ids, long[][] mask, long[][] labels) {
        int[][] sequences = new int[ids.length][];
        int[][] sequenceLabels = new int[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            int length = 0;
            while (length < mask[r].length && mask[r][length] == 1) {
                length++;
            }
            for (int t = length; t < mask[r].length; t++) {
                if (mask[r][t] != 0) {
                    throw new LorisException("row " + r + " of the attention mask is not a prefix of ones",
                            "pad on the right only");
                }
            }
            sequences[r] = new int[length];
            sequenceLabels[r] = new int[length];
            for (int t = 0; t < length; t++) {
                sequences[r][t] = Math.toIntExact(ids[r][t]);
                sequenceLabels[r][t] = Math.toIntExact(labels[r][t]);
            }
        }
        return of(sequences, sequenceLabels);
    }
}
