package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Split-K attention for generation ("flash-decoding"): the same result as {@link AttentionDecode} (one new
 * query per sequence against its KV cache, grouped-query heads; layout there), computed in two kernels so
 * that a long cache is spread over many work-groups instead of one per (sequence, head), and each cached key
 * and value is read once for all the query heads that share it.
 * <ol>
 * <li>{@link #partials}: one work-group per (sequence, kv head, split of {@link #SPLIT} keys). Work-item j
 * scores key j of the split against every query head of the kv head's group (the key row read once), the
 * split's max and sum per head come from block reductions, and each work-item then sums values for its
 * output dimensions (lid, lid + 128) over the split's keys, again for every head of the group. It writes the
 * unnormalised sums, the max and the sum: (seqs, heads, splits, headDim + 2) f32. A split past the
 * sequence's length writes max = -inf, sum = 0 and zero sums; combine reads only the splits that hold keys.
 * <li>{@link #combine}: one work-group per (sequence, query head): out = sum_s exp(max_s - M) o_s divided by
 * sum_s exp(max_s - M) l_s, over the splits s that hold keys, with o_s, max_s and l_s a split's value sums,
 * max and sum, M the largest max.
 * </ol>
 * Limits: headDim up to 256, at most {@link #MAX_QUERIES} query heads per kv head. Local size {@link #GROUP}.
 * Maths in f32 (accurate exp), the output rounded once to its element type.
 */
public final class FlashDecoding {
    public static final int GROUP = 128;
    /** Keys per split: one per work-item. */
    public static final int SPLIT = GROUP;
    public static final int MAX_QUERIES = 16;
    public static final int MAX_HEAD_DIM = 256;

    private FlashDecoding() {
    }

    /** Splits of a cache of {@code capacity} rows. */
    public static int splits(int capacity) {
        return (capacity + SPLIT - 1) / SPLIT;
    }

    /** f32 values of {@link #partials}' output: (seqs, heads, splits, headDim + 2). */
    public static long partialsLength(int seqs, int heads, int headDim, int capacity) {
        return (long) seqs * heads * splits(capacity) * (headDim + 2);
    }

    /** Whether these kernels take this head arrangement. */
    public static boolean supports(int heads, int kvHeads, int headDim) {
        return heads / kvHeads <= MAX_QUERIES && headDim <= MAX_HEAD_DIM;
    }

    /** Grid: global = {seqs * kvHeads * splits(capacity) * GROUP}, local = {GROUP}. */
    public static void partials(KernelContext ctx, FloatingPointArray q, FloatingPointArray kCache,
                                FloatingPointArray vCache, IntArray lengths, FloatArray partials, int heads,
                                int kvHeads, int headDim, int capacity, float scale) {
        float[] queries = ctx.allocateFloatLocalArray(MAX_QUERIES * MAX_HEAD_DIM); // (group, headDim) f32
        float[] probabilities = ctx.allocateFloatLocalArray(MAX_QUERIES * GROUP);  // (group, keys) f32
        float[] reduction = ctx.allocateFloatLocalArray(GROUP);
        float[] dots = new float[MAX_QUERIES];                                     // this key's scores
        float[] sums = new float[MAX_QUERIES];                                     // one output dimension
        int lid = ctx.localIdx;
        int splits = splits(capacity);
        int split = ctx.groupIdx % splits;
        int kvHead = ctx.groupIdx / splits % kvHeads;
        int seq = ctx.groupIdx / splits / kvHeads;
        int group = heads / kvHeads;
        int firstHead = kvHead * group;
        int firstKey = split * SPLIT;
        // A split past the sequence's length has no keys: max -inf, sum 0 (no early return: barriers follow).
        int keys = Math.max(0, Math.min(SPLIT, lengths.get(seq) - firstKey));
        long out = ((long) seq * heads + firstHead) * splits + split;             // row of (seq, firstHead, split)
        for (int i = lid; i < group * headDim; i += GROUP) {
            queries[i] = q.getFloat(((long) seq * heads + firstHead) * headDim + i);
        }
        ctx.localBarrier();
        long cacheRow = (long) kvHeads * headDim;
        long cacheBase = ((long) seq * capacity + firstKey) * cacheRow + (long) kvHead * headDim;
        for (int h = 0; h < MAX_QUERIES; h++) {
            dots[h] = 0f;
        }
        if (lid < keys) {
            for (int d = 0; d < headDim; d++) {
                float key = kCache.getFloat(cacheBase + lid * cacheRow + d);
                for (int h = 0; h < MAX_QUERIES; h++) {
                    if (h < group) {
                        dots[h] += queries[h * headDim + d] * key;
                    }
                }
            }
        }
        for (int h = 0; h < MAX_QUERIES; h++) {
            if (h < group) {
                probabilities[h * GROUP + lid] = lid < keys ? dots[h] * scale : Float.NEGATIVE_INFINITY;
            }
        }
        // The reductions in a loop with the group's (uniform) trip count: no barrier under a condition.
        for (int h = 0; h < group; h++) {
            float score = probabilities[h * GROUP + lid];
            float max = BlockReductions.max(ctx, reduction, score);
            float p = lid < keys ? TornadoMath.exp(score - max) : 0f;
            probabilities[h * GROUP + lid] = p;
            float sum = BlockReductions.sum(ctx, reduction, p);
            if (lid == 0) {
                long row = (out + (long) h * splits) * (headDim + 2);
                partials.set(row + headDim, max);
                partials.set(row + headDim + 1, sum);
            }
        }
        ctx.localBarrier();
        for (int d = lid; d < headDim; d += GROUP) {
            for (int h = 0; h < MAX_QUERIES; h++) {
                sums[h] = 0f;
            }
            for (int j = 0; j < keys; j++) {
                float value = vCache.getFloat(cacheBase + j * cacheRow + d);
                for (int h = 0; h < MAX_QUERIES; h++) {
                    if (h < group) {
                        sums[h] += probabilities[h * GROUP + j] * value;
                    }
                }
            }
            for (int h = 0; h < MAX_QUERIES; h++) {
                if (h < group) {
                    partials.set((out + (long) h * splits) * (headDim + 2) + d, sums[h]);
                }
            }
        }
    }

    /** Grid: global = {seqs * heads * GROUP}, local = {GROUP}; out (seqs, heads * headDim). */
    public static void combine(KernelContext ctx, FloatArray partials, IntArray lengths, FloatingPointArray out,
                               int heads, int headDim, int capacity) {
        int splits = splits(capacity);
        int seq = ctx.groupIdx / heads;
        int used = (lengths.get(seq) + SPLIT - 1) / SPLIT;                       // splits with keys
        long first = (long) ctx.groupIdx * splits * (headDim + 2);              // (seq, head, split 0)
        float max = Float.NEGATIVE_INFINITY;
        for (int s = 0; s < used; s++) {
            max = Math.max(max, partials.get(first + s * (headDim + 2) + headDim));
        }
        float total = 0f;
        for (int s = 0; s < used; s++) {
            long row = first + s * (headDim + 2);
            total += TornadoMath.exp(partials.get(row + headDim) - max) * partials.get(row + headDim + 1);
        }
        for (int d = ctx.localIdx; d < headDim; d += GROUP) {
            float sum = 0f;
            for (int s = 0; s < used; s++) {
                long row = first + s * (headDim + 2);
                sum += TornadoMath.exp(partials.get(row + headDim) - max) * partials.get(row + d);
            }
            out.setFloat((long) ctx.groupIdx * headDim + d, sum / total);
        }
    }
}
