package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Pieces the attention kernels (AttentionForward, AttentionBackward) inline: moving tiles of head rows between
 * global and local memory (f32 and bf16 overloads with the same body), per-row values, the causal mask and
 * dot products over local rows.
 *
 * <p>A tile is {@code rows} consecutive tokens of one head: element (r, d) of the tile is element
 * {@code (firstToken + r) * tokenStride + headOffset + d} of the global matrix, and sits at
 * {@code r * localStride + d} locally. Tiles read by dot products (row against row) use a local stride of
 * headDim + 1: work-items of a warp then read different rows at the same d from different memory banks.
 * Accumulator tiles, each element only ever touched by the work-item that owns it, are unpadded.
 *
 * <p>Each helper is a strided loop over the tile shared by the whole work-group (work-item i takes elements
 * i, i + L, ...), so consecutive work-items touch consecutive d of a row and global accesses coalesce. None
 * has a barrier: callers put one between a helper that writes local memory and one that reads it. Rows past
 * the last token read as zero and are never written.
 */
final class AttentionTiles {
    private AttentionTiles() {
    }

    /** Copies {@code rows} tokens' head rows of {@code source} into {@code tile}, zeros past the last token. */
    static void load(KernelContext ctx, FloatingPointArray source, float[] tile, int localStride, int firstToken,
                     int rows, int tokens, int tokenStride, int headOffset, int headDim) {
        for (int e = ctx.localIdx; e < rows * headDim; e += ctx.localGroupSizeX) {
            int r = e / headDim;
            int d = e - r * headDim;
            int token = firstToken + r;
            tile[r * localStride + d] = token < tokens ? source.getFloat(at(token, tokenStride, headOffset, d)) : 0f;
        }
    }

    /**
     * Stores {@code factor * tile} (unpadded, rows * headDim) into the tokens' head rows of {@code target},
     * rounded to its element type.
     */
    static void store(KernelContext ctx, float[] tile, float factor, FloatingPointArray target, int firstToken,
                      int rows, int tokens, int tokenStride, int headOffset, int headDim) {
        for (int e = ctx.localIdx; e < rows * headDim; e += ctx.localGroupSizeX) {
            int r = e / headDim;
            int token = firstToken + r;
            if (token < tokens) {
                target.setFloat(at(token, tokenStride, headOffset, e - r * headDim), factor * tile[e]);
            }
        }
    }

    /** One f32 value per token of the tile ({@code source[token * heads + head]}), zero past the last token. */
    static void loadPerRow(KernelContext ctx, FloatArray source, float[] values, int firstToken, int rows, int tokens,
                           int heads, int head) {
        for (int r = ctx.localIdx; r < rows; r += ctx.localGroupSizeX) {
            int token = firstToken + r;
            values[r] = token < tokens ? source.get((long) token * heads + head) : 0f;
        }
    }

    /**
     * The first key each query row of the tile may see: its sequence's start, or token + 1 (no key at all) for
     * rows past the last token, so {@link #visible} needs no separate bound.
     */
    static void loadSequenceStarts(KernelContext ctx, IntArray sequenceStart, int[] rowStart, int firstToken,
                                   int rows, int tokens) {
        for (int r = ctx.localIdx; r < rows; r += ctx.localGroupSizeX) {
            int token = firstToken + r;
            rowStart[r] = rowFirstKey(sequenceStart, token, tokens, 0);
        }
    }

    /**
     * Whether query {@code query}, whose sequence starts at {@code start}, sees key {@code key}: causal, within the
     * sequence, and within the sliding window ({@code query - key < window}) unless {@code window} is 0.
     */
    static boolean visible(int start, int query, int key, int window) {
        return key >= start && key <= query && (window == 0 || query - key < window);
    }

    /**
     * The first key query {@code firstQuery} sees, and so the first a tile of queries from it may see: its
     * sequence's start, or the window's when that is later. Per row, the mask of a tile kernel is then two
     * comparisons per score, {@code key >= first && key <= query}: {@link #visible} with the window's test done
     * once per row.
     */
    static int firstVisibleKey(int sequenceStart, int firstQuery, int window) {
        return window == 0 ? sequenceStart : Math.max(sequenceStart, firstQuery - window + 1);
    }

    /**
     * The first key row {@code token} sees ({@link #firstVisibleKey} of its sequence's start), or token + 1 (no key
     * at all) for a row past the last token: a mask then needs no separate bound, and first keys never decrease
     * along the rows of a tile (the dK/dV kernel's mask skip relies on that).
     */
    static int rowFirstKey(IntArray sequenceStart, int token, int tokens, int window) {
        return token < tokens ? firstVisibleKey(sequenceStart.get(token), token, window) : token + 1;
    }

    /** Gemma's logit soft-capping, cap * tanh(score / cap), in that order (HF's); the score itself when cap is 0. */
    static float softCap(float score, float cap) {
        return cap == 0f ? score : cap * TornadoMath.tanh(score / cap);
    }

    /**
     * The derivative of {@link #softCap} at the raw score, from the capped one: 1 - tanh^2 = 1 - (capped / cap)^2;
     * 1 when cap is 0.
     */
    static float softCapDerivative(float capped, float cap) {
        if (cap == 0f) {
            return 1f;
        }
        float t = capped / cap;
        return 1f - t * t;
    }

    static void fill(KernelContext ctx, float[] values, int count, float value) {
        for (int i = ctx.localIdx; i < count; i += ctx.localGroupSizeX) {
            values[i] = value;
        }
    }

    /** The f32 dot product of {@code length} values of a and b from the given offsets, summed in order. */
    static float dot(float[] a, int aStart, float[] b, int bStart, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum += a[aStart + i] * b[bStart + i];
        }
        return sum;
    }

    /**
     * The softmax probability of a visible score recomputed from the forward's log-sum-exp of its row:
     * exp(softCap(scale * q.k) - lse), with the capped score for the backward's chain rule.
     */
    static float cappedScore(float[] queries, int queryStart, float[] keys, int keyStart, int headDim, float scale,
                             float cap) {
        return softCap(scale * dot(queries, queryStart, keys, keyStart, headDim), cap);
    }

    private static long at(int token, int tokenStride, int headOffset, int d) {
        return (long) token * tokenStride + headOffset + d;
    }
}
