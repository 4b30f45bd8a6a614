package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Backward of AttentionForward (FlashAttention-2: probabilities recomputed from the saved log-sum-exp, no
 * (tokens x tokens) matrix stored, no atomics, so results are deterministic). With S = scale * Q K^T masked,
 * P = exp(S - lse) and dOut the gradient of the output, per head:
 * dV = P^T dOut, dP = dOut V^T, dS = P * (dP - delta) with delta = rowsum(dOut * out), dQ = scale * dS K,
 * dK = scale * dS^T Q. A kv head's dK and dV sum over the query heads of its group.
 *
 * <p>Three kernels, run in this order; every one takes local = {L}, L a power of two from 1 to 256 (128
 * suits GPUs, 1 the JVM), and global = {groups * L} with the group count from AttentionShape:
 * <ol>
 * <li>{@link #rowDots}: delta (tokens, heads) in f32, one warp per (token, head) (shape.rowDotGroups).
 * <li>{@link #keyValueGradients}: dK and dV, one work-group per (key tile, kv head) (shape.keyValueGroups();
 * keyValueKeyRows(headDim) keys per tile). It keeps its key and value rows and their gradient sums in local
 * memory and walks, for each query head of the group, the query tiles (keyValueQueryRows(headDim) rows) from
 * its first key to the end of its last key's sequence.
 * <li>{@link #queryGradients}: dQ, one work-group per (query tile, head) (shape.queryGroups();
 * queryGradientRows(headDim) rows, key tiles of as many rows), walking key tiles as the forward does.
 * </ol>
 * Within a tile step every work-item computes whole dot products for its (query row, key) pairs, then
 * accumulates its own gradient elements, which it owns for the whole kernel. Local memory: 45 KiB (of
 * CUDA's 48 KiB static limit).
 *
 * <p>Rounding: f32 maths; the bf16 versions widen their inputs exactly (out included: delta uses the stored
 * bf16 output, as FlashAttention does) and round each gradient to bf16 once. Tolerance (what the tests
 * assert): f32 gradients within 1e-5 of their magnitudes (AttentionReference), bf16 within that plus half
 * a bf16 ulp (2^-8 relative); delta within 1e-5 of sum |dOut * out|.
 */
public final class AttentionBackward {
    /** Padded query rows (Q and dOut) of the dQ kernel: R * headDim at most 2048, R at most 32. */
    static final int QUERY_TILE = AttentionShape.QUERY_TILE_FLOATS + 32;
    /** Padded key rows (K and V): at most 2048 values, at most 32 rows. */
    static final int KEY_TILE = AttentionShape.KEY_TILE_FLOATS + 32;
    /** Padded query rows of the dK/dV kernel: at most 1024 values, at most 16 rows. */
    static final int SMALL_QUERY_TILE = AttentionShape.SMALL_QUERY_TILE_FLOATS + 16;
    /** Unpadded gradient sums, at most 2048 values. */
    static final int GRADIENT_TILE = 2048;
    static final int SCORE_TILE = 32 * 33;
    static final int SMALL_SCORE_TILE = 16 * 33;
    static final int MAX_ROWS = 32;
    static final int MAX_SMALL_ROWS = 16;

    private AttentionBackward() {
    }

    /**
     * delta[row] = sum over d of out[row, d] * dOut[row, d] for every (token, head) row, one source for f32 and
     * bf16 (FloatingPointArray); delta is f32. In groups of 32 or more, one warp per row: its lanes stride the row
     * (coalesced reads) and sum by shuffles, so no barriers; in smaller groups (the JVM's groups of one) each
     * work-item sums a row alone. Grid: shape.rowDotGroups(L) groups of L.
     */
    public static void rowDots(KernelContext ctx, FloatingPointArray out, FloatingPointArray dOut, FloatArray delta,
                               int rows, int headDim) {
        int lanes = rowDotLanes(ctx.localGroupSizeX);
        int row = ctx.globalIdx / lanes;
        int lane = ctx.localIdx % lanes;
        float sum = 0f;
        if (row < rows) {
            long start = (long) row * headDim;
            for (int d = lane; d < headDim; d += lanes) {
                sum += out.getFloat(start + d) * dOut.getFloat(start + d);
            }
        }
        float total = lanes == 1 ? sum : ctx.simdSum(sum); // the whole warp takes part, rows past the end with 0
        if (lane == 0 && row < rows) {
            delta.set(row, total);
        }
    }

    /** Work-items per row of {@link #rowDots} in groups of {@code group}: a warp, or one below a warp's size. */
    static int rowDotLanes(int group) {
        return group < KernelContext.WARP_SIZE ? 1 : KernelContext.WARP_SIZE;
    }

    /** One source for f32 and bf16 Q, K, V, dOut, dK, dV (FloatingPointArray); f32 statistics. */
    public static void keyValueGradients(KernelContext ctx, FloatingPointArray q, FloatingPointArray k,
                                         FloatingPointArray v, FloatingPointArray dOut, FloatArray logSumExp,
                                         FloatArray delta, IntArray sequenceStart, FloatingPointArray dK,
                                         FloatingPointArray dV, int tokens, int heads, int kvHeads, int headDim,
                                         float scale, int window, float softCap) {
        float[] keys = ctx.allocateFloatLocalArray(KEY_TILE);
        float[] values = ctx.allocateFloatLocalArray(KEY_TILE);
        float[] keyGradients = ctx.allocateFloatLocalArray(GRADIENT_TILE);
        float[] valueGradients = ctx.allocateFloatLocalArray(GRADIENT_TILE);
        float[] queries = ctx.allocateFloatLocalArray(SMALL_QUERY_TILE);
        float[] outGradients = ctx.allocateFloatLocalArray(SMALL_QUERY_TILE);
        float[] probabilities = ctx.allocateFloatLocalArray(SMALL_SCORE_TILE);
        float[] scoreGradients = ctx.allocateFloatLocalArray(SMALL_SCORE_TILE);
        float[] rowLogSumExp = ctx.allocateFloatLocalArray(MAX_SMALL_ROWS);
        float[] rowDelta = ctx.allocateFloatLocalArray(MAX_SMALL_ROWS);
        int[] rowStart = ctx.allocateIntLocalArray(MAX_SMALL_ROWS);
        int keyRows = AttentionShape.keyValueKeyRows(headDim);
        int rows = AttentionShape.keyValueQueryRows(headDim);
        int kvHead = ctx.groupIdx % kvHeads;
        int group = heads / kvHeads;
        int firstKey = ctx.groupIdx / kvHeads * keyRows;
        int lastKey = Math.min(firstKey + keyRows, tokens) - 1;
        int kvOffset = kvHead * headDim;
        AttentionTiles.load(ctx, k, keys, headDim + 1, firstKey, keyRows, tokens, kvHeads * headDim, kvOffset, headDim);
        AttentionTiles.load(ctx, v, values, headDim + 1, firstKey, keyRows, tokens, kvHeads * headDim, kvOffset,
                headDim);
        AttentionTiles.fill(ctx, keyGradients, keyRows * headDim, 0f);
        AttentionTiles.fill(ctx, valueGradients, keyRows * headDim, 0f);
        for (int head = kvHead * group; head < kvHead * group + group; head++) {
            int qOffset = head * headDim;
            for (int firstQuery = firstKey; firstQuery < tokens && sequenceStart.get(firstQuery) <= lastKey
                    && (window == 0 || firstQuery - lastKey < window); firstQuery += rows) {
                ctx.localBarrier();
                AttentionTiles.load(ctx, q, queries, headDim + 1, firstQuery, rows, tokens, heads * headDim, qOffset,
                        headDim);
                AttentionTiles.load(ctx, dOut, outGradients, headDim + 1, firstQuery, rows, tokens, heads * headDim,
                        qOffset, headDim);
                loadRowState(ctx, logSumExp, delta, sequenceStart, rowLogSumExp, rowDelta, rowStart, firstQuery, rows,
                        tokens, heads, head);
                ctx.localBarrier();
                pairGradients(ctx, queries, outGradients, keys, values, rowLogSumExp, rowDelta, rowStart, probabilities,
                        scoreGradients, firstQuery, firstKey, rows, keyRows, headDim, scale, window, softCap);
                ctx.localBarrier();
                accumulateKeyValues(ctx, probabilities, scoreGradients, queries, outGradients, keyGradients,
                        valueGradients, rows, keyRows, headDim);
            }
        }
        AttentionTiles.store(ctx, keyGradients, scale, dK, firstKey, keyRows, tokens, kvHeads * headDim, kvOffset,
                headDim);
        AttentionTiles.store(ctx, valueGradients, 1f, dV, firstKey, keyRows, tokens, kvHeads * headDim, kvOffset,
                headDim);
    }

    /** One source for f32 and bf16 Q, K, V, dOut, dQ (FloatingPointArray); f32 statistics. */
    public static void queryGradients(KernelContext ctx, FloatingPointArray q, FloatingPointArray k,
                                      FloatingPointArray v, FloatingPointArray dOut, FloatArray logSumExp,
                                      FloatArray delta, IntArray sequenceStart, FloatingPointArray dQ, int tokens,
                                      int heads, int kvHeads, int headDim, float scale, int window,
                                      float softCap) {
        float[] queries = ctx.allocateFloatLocalArray(QUERY_TILE);
        float[] outGradients = ctx.allocateFloatLocalArray(QUERY_TILE);
        float[] queryGradients = ctx.allocateFloatLocalArray(GRADIENT_TILE);
        float[] keys = ctx.allocateFloatLocalArray(KEY_TILE);
        float[] values = ctx.allocateFloatLocalArray(KEY_TILE);
        float[] scoreGradients = ctx.allocateFloatLocalArray(SCORE_TILE);
        float[] rowLogSumExp = ctx.allocateFloatLocalArray(MAX_ROWS);
        float[] rowDelta = ctx.allocateFloatLocalArray(MAX_ROWS);
        int[] rowStart = ctx.allocateIntLocalArray(MAX_ROWS);
        int rows = AttentionShape.queryGradientRows(headDim);
        int head = ctx.groupIdx % heads;
        int kvOffset = head / (heads / kvHeads) * headDim;
        int firstQuery = ctx.groupIdx / heads * rows;
        int lastQuery = Math.min(firstQuery + rows, tokens) - 1;
        AttentionTiles.load(ctx, q, queries, headDim + 1, firstQuery, rows, tokens, heads * headDim, head * headDim,
                headDim);
        AttentionTiles.load(ctx, dOut, outGradients, headDim + 1, firstQuery, rows, tokens, heads * headDim,
                head * headDim, headDim);
        loadRowState(ctx, logSumExp, delta, sequenceStart, rowLogSumExp, rowDelta, rowStart, firstQuery, rows, tokens,
                heads, head);
        AttentionTiles.fill(ctx, queryGradients, rows * headDim, 0f);
        for (int firstKey = AttentionTiles.firstVisibleKey(sequenceStart.get(firstQuery), firstQuery, window);
             firstKey <= lastQuery; firstKey += rows) {
            ctx.localBarrier();
            AttentionTiles.load(ctx, k, keys, headDim + 1, firstKey, rows, tokens, kvHeads * headDim, kvOffset,
                    headDim);
            AttentionTiles.load(ctx, v, values, headDim + 1, firstKey, rows, tokens, kvHeads * headDim, kvOffset,
                    headDim);
            ctx.localBarrier();
            pairGradients(ctx, queries, outGradients, keys, values, rowLogSumExp, rowDelta, rowStart, scoreGradients,
                    scoreGradients, firstQuery, firstKey, rows, rows, headDim, scale, window, softCap);
            ctx.localBarrier();
            accumulateQueries(ctx, scoreGradients, keys, queryGradients, rows, rows, headDim);
        }
        AttentionTiles.store(ctx, queryGradients, scale, dQ, firstQuery, rows, tokens, heads * headDim, head * headDim,
                headDim);
    }

    /** Each query row's log-sum-exp and delta of this head, and the first key it sees. */
    private static void loadRowState(KernelContext ctx, FloatArray logSumExp, FloatArray delta, IntArray sequenceStart,
                                     float[] rowLogSumExp, float[] rowDelta, int[] rowStart, int firstQuery, int rows,
                                     int tokens, int heads, int head) {
        AttentionTiles.loadPerRow(ctx, logSumExp, rowLogSumExp, firstQuery, rows, tokens, heads, head);
        AttentionTiles.loadPerRow(ctx, delta, rowDelta, firstQuery, rows, tokens, heads, head);
        AttentionTiles.loadSequenceStarts(ctx, sequenceStart, rowStart, firstQuery, rows, tokens);
    }

    /**
     * P and dS = P * (dOut . v - delta) * softCap'(raw score) of every (query row, key) pair of the tiles, 0 where
     * masked, into rows of keyRows + 1: dS is the gradient of the raw score scale * q.k, whose scale the stores
     * apply. The dQ kernel needs only dS and passes one array for both: dS is written last.
     */
    private static void pairGradients(KernelContext ctx, float[] queries, float[] outGradients, float[] keys,
                                      float[] values, float[] rowLogSumExp, float[] rowDelta, int[] rowStart,
                                      float[] probabilities, float[] scoreGradients, int firstQuery, int firstKey,
                                      int rows, int keyRows, int headDim, float scale, int window,
                                      float softCap) {
        for (int e = ctx.localIdx; e < rows * keyRows; e += ctx.localGroupSizeX) {
            int r = e / keyRows;
            int c = e - r * keyRows;
            float p = 0f;
            float dScore = 0f;
            if (AttentionTiles.visible(rowStart[r], firstQuery + r, firstKey + c, window)) {
                float capped = AttentionTiles.cappedScore(queries, r * (headDim + 1), keys, c * (headDim + 1), headDim,
                        scale, softCap);
                p = TornadoMath.exp(capped - rowLogSumExp[r]);
                float dP = AttentionTiles.dot(outGradients, r * (headDim + 1), values, c * (headDim + 1), headDim);
                dScore = p * (dP - rowDelta[r]) * AttentionTiles.softCapDerivative(capped, softCap);
            }
            probabilities[r * (keyRows + 1) + c] = p;
            scoreGradients[r * (keyRows + 1) + c] = dScore;
        }
    }

    /** dV[c] += sum over rows of P[r][c] dOut[r], dK[c] += sum of dS[r][c] Q[r] (scaled when stored). */
    private static void accumulateKeyValues(KernelContext ctx, float[] probabilities, float[] scoreGradients,
                                            float[] queries, float[] outGradients, float[] keyGradients,
                                            float[] valueGradients, int rows, int keyRows, int headDim) {
        for (int e = ctx.localIdx; e < keyRows * headDim; e += ctx.localGroupSizeX) {
            int c = e / headDim;
            int d = e - c * headDim;
            float dk = keyGradients[e];
            float dv = valueGradients[e];
            for (int r = 0; r < rows; r++) {
                int pair = r * (keyRows + 1) + c;
                dk += scoreGradients[pair] * queries[r * (headDim + 1) + d];
                dv += probabilities[pair] * outGradients[r * (headDim + 1) + d];
            }
            keyGradients[e] = dk;
            valueGradients[e] = dv;
        }
    }

    /** dQ[r] += sum over keys of dS[r][c] K[c] (scaled when stored). */
    private static void accumulateQueries(KernelContext ctx, float[] scoreGradients, float[] keys,
                                          float[] queryGradients, int rows, int keyRows, int headDim) {
        for (int e = ctx.localIdx; e < rows * headDim; e += ctx.localGroupSizeX) {
            int r = e / headDim;
            int d = e - r * headDim;
            float sum = queryGradients[e];
            for (int c = 0; c < keyRows; c++) {
                sum += scoreGradients[r * (keyRows + 1) + c] * keys[c * (headDim + 1) + d];
            }
            queryGradients[e] = sum;
        }
    }
}
