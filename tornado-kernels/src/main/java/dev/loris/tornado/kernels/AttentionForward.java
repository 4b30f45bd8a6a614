package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Causal grouped-query attention over packed sequences, forward (FlashAttention-2 style): out = softmax(scale
 * * Q K^T + causal mask) V per head, and the log-sum-exp of each query row's scaled scores, which the backward
 * (AttentionBackward) needs to recompute the probabilities. Layout, masking and tile sizes: AttentionShape.
 * No (tokens x tokens) matrix is ever stored: scores live in local memory one (query tile x key tile) at a time.
 *
 * <p>Grid: global = {shape.forwardGroups() * L}, local = {L}, L a power of two from 1 to 256 (128 suits
 * GPUs, 1 the JVM). Work-group g takes query rows [R * (g / heads), R * (g / heads + 1)) of head g % heads, R =
 * AttentionShape.forwardQueryRows(headDim), and walks key tiles of K = forwardKeyRows(headDim) rows from the
 * start of its first row's sequence to its last row. Per key tile: load K into local memory; every work-item
 * computes whole dot products of (query row, key) pairs; one work-item per row updates the row's running max
 * and sum and turns the scores into exp(score - max) while the group loads V into K's buffer; every
 * work-item then rescales its output elements (owned for the whole kernel, so they stay in local memory
 * unsynchronised) and adds P V. The output is divided by the row sum once at the end. Local memory: 41 KiB.
 *
 * <p>Rounding: everything in f32, the probabilities included; bf16 inputs are widened exactly and the output
 * is rounded to bf16 once. Hugging Face does not compute bf16 attention that way: eager attention rounds the
 * scores (a bf16 matmul, then the scaling) and the probabilities to bf16 before P V, and FlashAttention-2
 * (sdpa's flash backend) keeps f32 scores but rounds P to bf16 for its tensor-core P V. So against those,
 * expect differences of up to about 2^-8 * sum |p v| (one bf16 rounding of each p) besides the output's own
 * half ulp, more for eager with large scores; against the exact result, only the tolerance below.
 *
 * <p>Tolerance (what the tests assert): each f32 output within 1e-5 of the sum of |p * v| over its terms
 * (rounding in the dot products, exp and the sums), each log-sum-exp within 1e-5 * (1 + |lse|); bf16
 * outputs within that plus half a bf16 ulp (2^-8 relative) of the value rounded.
 */
public final class AttentionForward {
    /** A padded query tile: R rows of headDim + 1, R * headDim at most 2048, R at most 32. */
    static final int QUERY_TILE = AttentionShape.QUERY_TILE_FLOATS + 32;
    /** The output accumulator: R rows of headDim, unpadded. */
    static final int OUTPUT_TILE = AttentionShape.QUERY_TILE_FLOATS;
    /** A padded key (then value) tile: K rows of headDim + 1, K * headDim at most 4096, K at most 64. */
    static final int KEY_TILE = AttentionShape.WIDE_KEY_TILE_FLOATS + 64;
    /** Scores, then probabilities: R rows of K + 1 (padded so one work-item per row reads its own bank). */
    static final int SCORE_TILE = 32 * 65;
    static final int MAX_ROWS = 32;

    private AttentionForward() {
    }

    /** One source for f32 and bf16 Q, K, V and output (FloatingPointArray); f32 maths and log-sum-exp. */
    public static void forward(KernelContext ctx, FloatingPointArray q, FloatingPointArray k, FloatingPointArray v,
                               IntArray sequenceStart, FloatingPointArray out, FloatArray logSumExp, int tokens,
                               int heads, int kvHeads, int headDim, float scale, int window, float softCap) {
        float[] queries = ctx.allocateFloatLocalArray(QUERY_TILE);
        float[] keysThenValues = ctx.allocateFloatLocalArray(KEY_TILE);
        float[] scores = ctx.allocateFloatLocalArray(SCORE_TILE);
        float[] output = ctx.allocateFloatLocalArray(OUTPUT_TILE);
        float[] rowMax = ctx.allocateFloatLocalArray(MAX_ROWS);
        float[] rowSum = ctx.allocateFloatLocalArray(MAX_ROWS);
        float[] rowRescale = ctx.allocateFloatLocalArray(MAX_ROWS);
        int[] rowStart = ctx.allocateIntLocalArray(MAX_ROWS);
        int rows = AttentionShape.forwardQueryRows(headDim);
        int keys = AttentionShape.forwardKeyRows(headDim);
        int head = ctx.groupIdx % heads;
        int kvHead = head / (heads / kvHeads);
        int firstQuery = ctx.groupIdx / heads * rows;
        int lastQuery = Math.min(firstQuery + rows, tokens) - 1;
        AttentionTiles.load(ctx, q, queries, headDim + 1, firstQuery, rows, tokens, heads * headDim, head * headDim,
                headDim);
        start(ctx, sequenceStart, rowStart, rowMax, rowSum, output, firstQuery, rows, tokens, headDim);
        for (int firstKey = AttentionTiles.firstVisibleKey(sequenceStart.get(firstQuery), firstQuery, window);
             firstKey <= lastQuery; firstKey += keys) {
            ctx.localBarrier();
            AttentionTiles.load(ctx, k, keysThenValues, headDim + 1, firstKey, keys, tokens, kvHeads * headDim,
                    kvHead * headDim, headDim);
            ctx.localBarrier();
            score(ctx, queries, keysThenValues, scores, rowStart, firstQuery, firstKey, rows, keys, headDim, scale,
                    window, softCap);
            ctx.localBarrier();
            AttentionTiles.load(ctx, v, keysThenValues, headDim + 1, firstKey, keys, tokens, kvHeads * headDim,
                    kvHead * headDim, headDim);
            updateRows(ctx, scores, rowMax, rowSum, rowRescale, rows, keys);
            ctx.localBarrier();
            accumulate(ctx, scores, keysThenValues, output, rowRescale, rows, keys, headDim);
        }
        ctx.localBarrier();
        finish(ctx, output, rowMax, rowSum, logSumExp, firstQuery, rows, tokens, heads, head, headDim);
        AttentionTiles.store(ctx, output, 1f, out, firstQuery, rows, tokens, heads * headDim, head * headDim, headDim);
    }

    /** Empty running state: max -inf, sum 0, output 0; and each row's first visible key. */
    private static void start(KernelContext ctx, IntArray sequenceStart, int[] rowStart, float[] rowMax,
                              float[] rowSum, float[] output, int firstQuery, int rows, int tokens, int headDim) {
        AttentionTiles.loadSequenceStarts(ctx, sequenceStart, rowStart, firstQuery, rows, tokens);
        AttentionTiles.fill(ctx, rowMax, rows, Float.NEGATIVE_INFINITY);
        AttentionTiles.fill(ctx, rowSum, rows, 0f);
        AttentionTiles.fill(ctx, output, rows * headDim, 0f);
    }

    /** softCap(scale * q.k) for every visible (row, key) pair of the tile, -inf for the others. */
    private static void score(KernelContext ctx, float[] queries, float[] keys, float[] scores, int[] rowStart,
                              int firstQuery, int firstKey, int rows, int keyRows, int headDim, float scale,
                              int window, float softCap) {
        for (int e = ctx.localIdx; e < rows * keyRows; e += ctx.localGroupSizeX) {
            int r = e / keyRows;
            int c = e - r * keyRows;
            float score = Float.NEGATIVE_INFINITY;
            if (AttentionTiles.visible(rowStart[r], firstQuery + r, firstKey + c, window)) {
                score = AttentionTiles.cappedScore(queries, r * (headDim + 1), keys, c * (headDim + 1), headDim, scale,
                        softCap);
            }
            scores[r * (keyRows + 1) + c] = score;
        }
    }

    /**
     * Online softmax, one work-item per row: the new running max, the factor that rescales what was summed
     * under the old max, and the tile's scores replaced by exp(score - max) (0 where masked). A row that has
     * seen no visible key yet keeps max -inf and sum 0; guarding the masked cases keeps -inf - -inf (NaN) out.
     */
    private static void updateRows(KernelContext ctx, float[] scores, float[] rowMax, float[] rowSum,
                                   float[] rowRescale, int rows, int keyRows) {
        for (int r = ctx.localIdx; r < rows; r += ctx.localGroupSizeX) {
            int base = r * (keyRows + 1);
            float previous = rowMax[r];
            float max = previous;
            for (int c = 0; c < keyRows; c++) {
                max = Math.max(max, scores[base + c]);
            }
            float sum = 0f;
            for (int c = 0; c < keyRows; c++) {
                float score = scores[base + c];
                float p = score == Float.NEGATIVE_INFINITY ? 0f : TornadoMath.exp(score - max);
                scores[base + c] = p;
                sum += p;
            }
            float rescale = previous == Float.NEGATIVE_INFINITY ? 0f : TornadoMath.exp(previous - max);
            rowSum[r] = rowSum[r] * rescale + sum;
            rowMax[r] = max;
            rowRescale[r] = rescale;
        }
    }

    /** Each work-item's output elements: rescaled to the new max, plus this tile's P V. */
    private static void accumulate(KernelContext ctx, float[] probabilities, float[] values, float[] output,
                                   float[] rowRescale, int rows, int keyRows, int headDim) {
        for (int e = ctx.localIdx; e < rows * headDim; e += ctx.localGroupSizeX) {
            int r = e / headDim;
            int d = e - r * headDim;
            int base = r * (keyRows + 1);
            float sum = output[e] * rowRescale[r];
            for (int c = 0; c < keyRows; c++) {
                sum += probabilities[base + c] * values[c * (headDim + 1) + d];
            }
            output[e] = sum;
        }
    }

    /** Divides the output by the row sums and stores each valid row's log-sum-exp, max + log(sum). */
    private static void finish(KernelContext ctx, float[] output, float[] rowMax, float[] rowSum,
                               FloatArray logSumExp, int firstQuery, int rows, int tokens, int heads, int head,
                               int headDim) {
        for (int e = ctx.localIdx; e < rows * headDim; e += ctx.localGroupSizeX) {
            int r = e / headDim;
            output[e] = output[e] / rowSum[r];
        }
        for (int r = ctx.localIdx; r < rows; r += ctx.localGroupSizeX) {
            if (firstQuery + r < tokens) {
                logSumExp.set((long) (firstQuery + r) * heads + head, rowMax[r] + TornadoMath.log(rowSum[r]));
            }
        }
    }
}
