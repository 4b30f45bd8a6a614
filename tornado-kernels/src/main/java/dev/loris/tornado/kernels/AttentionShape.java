package dev.loris.tornado.kernels;

import dev.loris.LorisException;

import java.util.Arrays;

/**
 * The shape of one causal GQA attention call over packed sequences, and the tile geometry that the attention
 * kernels and their callers agree on.
 *
 * <p>Layout: Q is (tokens, heads * headDim), K and V are (tokens, kvHeads * headDim), row-major, as the
 * projections produce them; query head h reads kv head {@code h / (heads / kvHeads)} (Llama's repeat_kv).
 * Several sequences are concatenated ("packed"); {@code sequenceStart[t]} is the first token of the sequence
 * of token t, so query t sees keys s with {@code sequenceStart[t] <= s <= t}. sequenceStart must be
 * non-decreasing with {@code sequenceStart[t] == t} or {@code == sequenceStart[t - 1]} ({@link
 * #sequenceStarts} builds it from sequence lengths). The kernels trust it: a negative entry would make them
 * read before the start of K and V.
 *
 * <p>Tiles: each kernel holds some query rows and key rows of one head in local memory, as many as fit a
 * fixed budget of floats, so the number of rows per tile shrinks as headDim grows: the largest power of two
 * within a cap whose rows times headDim stay within the budget. {@link #MAX_HEAD_DIM} (256) bounds what the
 * fixed-size local arrays hold. Any headDim from 1 to 256 works; the loads coalesce best when headDim is a
 * multiple of 32 (64 and 128, the common sizes, give whole 128-byte rows).
 *
 * <p>Work-groups: every attention kernel takes a 1D grid of {@code groups * L} work-items with local size
 * {@code L}, L a power of two from 1 to 256 (128 is a good choice on GPUs, 1 on the JVM, where a lone
 * work-item passes its barriers without switching); the group counts are below.
 */
public record AttentionShape(int tokens, int heads, int kvHeads, int headDim) {
    public static final int MAX_HEAD_DIM = 256;
    /**
     * Budgets of rows * headDim per tile, in floats. The kernels' local arrays are these plus one padding
     * float per row; with CUDA's 48 KiB of static shared memory per work-group they fix the tile sizes.
     */
    static final int QUERY_TILE_FLOATS = 2048;
    static final int SMALL_QUERY_TILE_FLOATS = 1024;
    static final int KEY_TILE_FLOATS = 2048;
    static final int WIDE_KEY_TILE_FLOATS = 4096;

    /** An attention shape these kernels cannot run: the message names it, the hint says what would work. */
    public static final class UnsupportedException extends LorisException {
        UnsupportedException(String message, String hint) {
            super(message, hint);
        }
    }

    public AttentionShape {
        if (tokens < 1 || heads < 1 || kvHeads < 1) {
            throw new UnsupportedException("attention with " + tokens + " tokens, " + heads + " heads and " + kvHeads
                    + " kv heads", "tokens, heads and kv heads must all be at least 1");
        }
        if (heads % kvHeads != 0) {
            throw new UnsupportedException("attention with " + heads + " heads over " + kvHeads + " kv heads",
                    "grouped-query attention needs num_attention_heads to be a multiple of num_key_value_heads");
        }
        if (headDim < 1 || headDim > MAX_HEAD_DIM) {
            throw new UnsupportedException("attention head_dim " + headDim,
                    "the attention kernels support head_dim from 1 to " + MAX_HEAD_DIM);
        }
    }

    /**
     * The sequenceStart array of sequences of the given lengths packed in order (each at least 1 token):
     * [0, 0, 0, 3, 3, 5] for lengths 3, 2, 1.
     */
    public static int[] sequenceStarts(int... lengths) {
        int tokens = 0;
        for (int length : lengths) {
            if (length < 1) {
                throw new UnsupportedException("a packed sequence of " + length + " tokens",
                        "every packed sequence needs at least one token");
            }
            tokens += length;
        }
        int[] starts = new int[tokens];
        int first = 0;
        for (int length : lengths) {
            Arrays.fill(starts, first, first + length, first);
            first += length;
        }
        return starts;
    }

    /** Hugging Face's softmax scale, 1 / sqrt(headDim). */
    public float defaultScale() {
        return (float) (1 / Math.sqrt(headDim));
    }

    /** Work-groups of AttentionForward.forward*: one per (tile of forward query rows, head). */
    public int forwardGroups() {
        return tilesOf(forwardQueryRows(headDim)) * heads;
    }

    /**
     * Work-groups of {@code group} work-items for AttentionBackward.rowDots: one warp per (token, head), or one
     * work-item in groups smaller than a warp.
     */
    public int rowDotGroups(int group) {
        long items = (long) tokens * heads * AttentionBackward.rowDotLanes(group);
        return Math.toIntExact((items + group - 1) / group);
    }

    /** The (token, head) rows of AttentionBackward.rowDots. */
    public int rows() {
        return Math.multiplyExact(tokens, heads);
    }

    /** Work-groups of AttentionBackward.keyValueGradients*: one per (tile of keys, kv head). */
    public int keyValueGroups() {
        return tilesOf(keyValueKeyRows(headDim)) * kvHeads;
    }

    /** Work-groups of AttentionBackward.queryGradients*: one per (tile of query rows, head). */
    public int queryGroups() {
        return tilesOf(queryGradientRows(headDim)) * heads;
    }

    private int tilesOf(int rows) {
        return (tokens + rows - 1) / rows;
    }

    /** Query rows per forward tile: 32 for headDim 64, 16 for 128, 8 for 256. */
    public static int forwardQueryRows(int headDim) {
        return tileRows(QUERY_TILE_FLOATS, headDim, 32);
    }

    /** Key rows per forward tile: 64 for headDim 64, 32 for 128, 16 for 256. */
    public static int forwardKeyRows(int headDim) {
        return tileRows(WIDE_KEY_TILE_FLOATS, headDim, 64);
    }

    /** Query rows (and key rows) per tile of the dQ kernel: 32 for headDim 64, 16 for 128, 8 for 256. */
    public static int queryGradientRows(int headDim) {
        return tileRows(QUERY_TILE_FLOATS, headDim, 32);
    }

    /** Key rows per tile of the dK/dV kernel: 32 for headDim 64, 16 for 128, 8 for 256. */
    public static int keyValueKeyRows(int headDim) {
        return tileRows(KEY_TILE_FLOATS, headDim, 32);
    }

    /** Query rows per tile of the dK/dV kernel: 16 for headDim 64, 8 for 128, 4 for 256. */
    public static int keyValueQueryRows(int headDim) {
        return tileRows(SMALL_QUERY_TILE_FLOATS, headDim, 16);
    }

    /** The largest power of two up to {@code cap} whose rows of headDim values fit {@code budget}. */
    static int tileRows(int budget, int headDim, int cap) {
        int rows = cap;
        while (rows > 1 && rows * headDim > budget) {
            rows /= 2;
        }
        return rows;
    }
}
