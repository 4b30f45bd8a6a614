package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Attention for generation with a KV cache: one new query per sequence against every key its cache holds
 * (the new token's own key and value already appended), for grouped-query attention (query head h reads kv
 * head h / (heads / kvHeads)). No mask is needed: a cache holds only the sequence's past.
 *
 * <p>Layout: q and out (seqs, heads * headDim); kCache and vCache (seqs, capacity, kvHeads * headDim), each
 * sequence's cache a contiguous block of {@code capacity} rows of which the first {@code lengths[s]} are
 * valid (1 to capacity). Row-major throughout.
 *
 * <p>Grid: global = {seqs * heads * G}, local = {G}, G a power of two up to {@link #GROUP} (one work-group per
 * sequence and query head; GROUP suits GPUs, 1 the JVM, where a group of one work-item passes its barriers
 * without switching). headDim at most {@link #MAX_HEAD_DIM}. Keys are taken in tiles of G: work-item j scores
 * key j of the tile (a dot product over headDim), the tile's max and sum come from block reductions, and the
 * softmax runs online (running max and sum, rescaled per tile); for the weighted sum of values each
 * work-item owns output dimensions lid, lid + G, ... and reads value rows across the group, so those reads
 * coalesce. Decoding is memory-bound: this reads each cached key and value once.
 *
 * <p>Maths in f32 (scores, softmax, accumulation); the bf16 form rounds only the output. transformers' eager
 * attention in bf16 rounds the scores and the probabilities to bf16 as well: in bf16 we are the more exact
 * of the two, within the model tests' bf16 tolerance.
 */
public final class AttentionDecode {
    public static final int GROUP = 128;
    public static final int MAX_HEAD_DIM = 256;

    private AttentionDecode() {
    }

    /**
     * One source for f32 and bf16 storage (FloatingPointArray): q, caches and out of one element type, maths
     * in f32, the output rounded once.
     */
    public static void decode(KernelContext ctx, FloatingPointArray q, FloatingPointArray kCache,
                              FloatingPointArray vCache, IntArray lengths, FloatingPointArray out, int heads,
                              int kvHeads, int headDim, int capacity, float scale, int window, float softCap) {
        float[] query = ctx.allocateFloatLocalArray(MAX_HEAD_DIM);
        float[] accumulator = ctx.allocateFloatLocalArray(MAX_HEAD_DIM);
        float[] probabilities = ctx.allocateFloatLocalArray(GROUP);
        float[] partial = ctx.allocateFloatLocalArray(GROUP);
        int lid = ctx.localIdx;
        int group = ctx.localGroupSizeX;
        int seq = ctx.groupIdx / heads;
        int head = ctx.groupIdx - seq * heads;
        long queryRow = ((long) seq * heads + head) * headDim;
        for (int d = lid; d < headDim; d += group) {
            query[d] = q.getFloat(queryRow + d);
            accumulator[d] = 0f;
        }
        ctx.localBarrier();
        int length = lengths.get(seq);
        long cacheBase = (long) seq * capacity * kvHeads * headDim + (long) (head / (heads / kvHeads)) * headDim;
        long cacheRow = (long) kvHeads * headDim;
        float runningMax = Float.NEGATIVE_INFINITY;
        float runningSum = 0f;
        // the query is the cache's last position: with a window it sees only the last `window` keys
        for (int tile = window == 0 ? 0 : Math.max(0, length - window); tile < length; tile += group) {
            int key = tile + lid;
            float score = Float.NEGATIVE_INFINITY;
            if (key < length) {
                float dot = 0f;
                long row = cacheBase + key * cacheRow;
                for (int d = 0; d < headDim; d++) {
                    dot += query[d] * kCache.getFloat(row + d);
                }
                score = AttentionTiles.softCap(dot * scale, softCap);
            }
            float newMax = Math.max(runningMax, BlockReductions.max(ctx, partial, score));
            float p = key < length ? TornadoMath.exp(score - newMax) : 0f;
            probabilities[lid] = p;
            float rescale = TornadoMath.exp(runningMax - newMax);
            runningSum = runningSum * rescale + BlockReductions.sum(ctx, partial, p);
            runningMax = newMax;
            int keys = Math.min(group, length - tile);
            for (int d = lid; d < headDim; d += group) {
                float acc = accumulator[d] * rescale;
                long row = cacheBase + (long) tile * cacheRow + d;
                for (int j = 0; j < keys; j++) {
                    acc += probabilities[j] * vCache.getFloat(row + j * cacheRow);
                }
                accumulator[d] = acc;
            }
            ctx.localBarrier();
        }
        for (int d = lid; d < headDim; d += group) {
            out.setFloat(queryRow + d, accumulator[d] / runningSum);
        }
    }

    /**
     * The plain reference, in double: for each sequence and head, softmax(scale * q.k) over the valid keys,
     * then the weighted sum of values. Arrays as in {@link #decode}, on the host.
     */
    public static float[] reference(float[] q, float[] kCache, float[] vCache, int[] lengths, int heads,
                                    int kvHeads, int headDim, int capacity, float scale) {
        return reference(q, kCache, vCache, lengths, heads, kvHeads, headDim, capacity, scale, 0, 0f);
    }

    /** As above, the query seeing only the last {@code window} keys (all when 0), scores soft-capped (cap 0: none). */
    public static float[] reference(float[] q, float[] kCache, float[] vCache, int[] lengths, int heads,
                                    int kvHeads, int headDim, int capacity, float scale, int window, float softCap) {
        int seqs = lengths.length;
        float[] out = new float[seqs * heads * headDim];
        for (int s = 0; s < seqs; s++) {
            for (int h = 0; h < heads; h++) {
                int kvHead = h / (heads / kvHeads);
                double[] scores = new double[lengths[s]];
                double max = Double.NEGATIVE_INFINITY;
                int first = window == 0 ? 0 : Math.max(0, lengths[s] - window);
                java.util.Arrays.fill(scores, Double.NEGATIVE_INFINITY);
                for (int j = first; j < lengths[s]; j++) {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[(s * heads + h) * headDim + d]
                                * kCache[((s * capacity + j) * kvHeads + kvHead) * headDim + d];
                    }
                    scores[j] = softCap == 0 ? dot * scale : softCap * Math.tanh(dot * scale / softCap);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < headDim; d++) {
                    double acc = 0;
                    for (int j = 0; j < scores.length; j++) {
                        acc += scores[j] * vCache[((s * capacity + j) * kvHeads + kvHead) * headDim + d];
                    }
                    out[(s * heads + h) * headDim + d] = (float) (acc / sum);
                }
            }
        }
        return out;
    }
}
