package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.tiles.WarpTiles;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Backward of causal GQA attention over packed sequences on tensor cores, in the FlashAttention-2 arrangement:
 * the gradients of {@link AttentionBackward} (same inputs, outputs and masking; layout in {@link AttentionShape})
 * with every product an mma.sync. Probabilities are recomputed from the forward's saved log-sum-exp
 * (P = exp(scale Q K^T - lse)), delta = rowsum(dOut * out) comes from {@link AttentionBackward#rowDots}, and
 * dS = P * (dOut V^T - delta). No (tokens x tokens) matrix is stored and no atomics are used, so the results are
 * deterministic: two kernels, each owning the gradient rows it writes.
 * <ol>
 * <li>{@link #keyValueGradients}: one work-group of 4 warps per (64 keys, kv head, column block); each warp owns
 * 16 keys. For every query head of the kv head's group it walks the 64-row query tiles from its first key to
 * the end of its last key's sequence, 32 rows a step (16 above 64 columns): S^T = K Q^T and dP^T = V dOut^T, P^T
 * and dS^T on the accumulators, packed to bf16 A fragments in registers, then dV += P^T dOut and
 * dK += dS^T Q (16 x columns accumulators per warp, in registers for the whole kernel). dK is scaled once.
 * <li>{@link #queryGradients}: one work-group per (64 query rows, head, column block), each warp 16 rows;
 * it walks key tiles as the forward does, recomputing S and dP, and accumulates dQ += dS K.
 * </ol>
 * Options ({@link AttentionOptions}) as in {@link FlashAttention}: a sliding window masks (and bounds the walks),
 * a soft-cap recomputes capped scores and multiplies dS by the cap's slope 1 - tanh^2 (the scale is applied to dQ
 * and dK at the end, as without a cap).
 * The dQ kernel repeats S and dP (7 products per tile pair instead of FlashAttention-2's 5 with atomic dQ):
 * the price of determinism.
 *
 * <p>Column blocks: a warp keeps its gradient rows in registers, 16 x columns f32 per accumulator; columns is
 * headDim up to {@link #COLUMNS} (128), else headDim / 2 (head_dim 256: two work-groups per tile, each
 * recomputing S and dP and keeping half the columns). Limits ({@link #supports}): headDim a multiple of 16 up
 * to 128, or a multiple of 32 up to 256, fixed as a compile-time constant ({@link #PARAM_HEAD_DIM_KEY_VALUE},
 * {@link #PARAM_HEAD_DIM_QUERY}). Grid: global = groups * {@link #GROUP}, local = {@link #GROUP}.
 * Local memory: six tiles of 64 x (128 + 8) bf16 (102 KiB: the streamed tiles, Q and dOut in the dK/dV kernel, K
 * and V in the dQ kernel, are double buffered, the next tile's cp.async copies in flight while this one
 * computes, as in the forward), dynamic shared memory on CUDA; the Wide entry points keep four tiles of
 * 64 x (256 + 8) (132 KiB: six would not fit an A100) and wait for each tile.
 *
 * <p>Rounding: S and dP in f32 from exact bf16 products; P = 2^(scale log2(e) s - lse log2(e)) by
 * TornadoMath.exp2Approx (about 2^-22 relative on PTX); P and dS rounded to bf16 as operands of the gradient
 * products (as FlashAttention-2 does); gradients accumulated in f32 and rounded to bf16 once. Against the
 * exact gradients: within 2^-8 of their magnitudes (AttentionReference's sums of |terms|) plus f32 error and
 * the bf16 half ulp.
 */
public final class FlashAttentionBackward {
    /** Query rows and key rows per tile; each of the 4 warps owns 16. */
    public static final int ROWS = 64;
    /** Query rows of one step of the dK/dV kernel at most (S^T and dP^T of 16 x 32 per warp). */
    static final int STEP = 32;
    public static final int GROUP = 128;
    /** Gradient columns a work-group keeps in registers. */
    public static final int COLUMNS = 128;
    public static final int MAX_HEAD_DIM = 256;
    static final int PAD = 8;
    static final int TILE = ROWS * (COLUMNS + PAD);
    static final int WIDE_TILE = ROWS * (MAX_HEAD_DIM + PAD);
    /** Java parameter index of headDim in {@link #keyValueGradients}, fixed as a compile-time constant. */
    public static final int PARAM_HEAD_DIM_KEY_VALUE = 13;
    /** Java parameter index of headDim in {@link #queryGradients}. */
    public static final int PARAM_HEAD_DIM_QUERY = 12;
    /**
     * Java parameter indices of softCap in the two kernels, fixed at compile time by the launchers: 0 compiles the
     * capping away, which keeps the dK/dV kernel's step loop small enough to unroll at head_dim 64.
     */
    public static final int PARAM_SOFT_CAP_KEY_VALUE = 16;
    public static final int PARAM_SOFT_CAP_QUERY = 15;

    private FlashAttentionBackward() {
    }

    /** Whether these kernels run this head size. */
    public static boolean supports(int headDim) {
        return headDim > 0 && (headDim <= COLUMNS ? headDim % 16 == 0 : headDim <= MAX_HEAD_DIM && headDim % 32 == 0);
    }

    /** Whether the head size needs the Wide entry points (tiles of up to 256 columns). */
    public static boolean wide(int headDim) {
        return headDim > COLUMNS;
    }

    /** Work-groups of {@link #keyValueGradients}: one per (64 keys, kv head, column block). */
    public static int keyValueGroups(AttentionShape shape) {
        return tiles(shape) * shape.kvHeads() * columnBlocks(shape.headDim());
    }

    /** Work-groups of {@link #queryGradients}: one per (64 query rows, head, column block). */
    public static int queryGroups(AttentionShape shape) {
        return tiles(shape) * shape.heads() * columnBlocks(shape.headDim());
    }

    private static int tiles(AttentionShape shape) {
        return (shape.tokens() + ROWS - 1) / ROWS;
    }

    static int columnBlocks(int headDim) {
        return headDim > COLUMNS ? 2 : 1;
    }

    /** dK, dV (tokens, kvHeads * headDim) bf16 for headDim up to 128. */
    public static void keyValueGradients(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                         BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                         IntArray sequenceStart, BFloat16Array dK, BFloat16Array dV, int tokens,
                                         int heads, int kvHeads, int headDim, float scale, int window,
                                         float softCap) {
        keyValueTiles(ctx, ctx.allocateShortLocalArray(TILE), ctx.allocateShortLocalArray(TILE),
                ctx.allocateShortLocalArray(2 * TILE), ctx.allocateShortLocalArray(2 * TILE), TILE, q, k, v, dOut,
                logSumExp, delta, sequenceStart, dK, dV, tokens, heads, kvHeads, headDim, scale, window, softCap);
    }

    /** {@link #keyValueGradients} for headDim above 128 (local tiles of 256 + 8 columns). */
    public static void keyValueGradientsWide(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                             BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                             IntArray sequenceStart, BFloat16Array dK, BFloat16Array dV, int tokens,
                                             int heads, int kvHeads, int headDim, float scale, int window,
                                             float softCap) {
        keyValueTiles(ctx, ctx.allocateShortLocalArray(WIDE_TILE), ctx.allocateShortLocalArray(WIDE_TILE),
                ctx.allocateShortLocalArray(WIDE_TILE), ctx.allocateShortLocalArray(WIDE_TILE), 0, q, k, v, dOut,
                logSumExp, delta, sequenceStart, dK, dV, tokens, heads, kvHeads, headDim, scale, window, softCap);
    }

    /** dQ (tokens, heads * headDim) bf16 for headDim up to 128. */
    public static void queryGradients(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                      BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                      IntArray sequenceStart, BFloat16Array dQ, int tokens, int heads, int kvHeads,
                                      int headDim, float scale, int window, float softCap) {
        queryTiles(ctx, ctx.allocateShortLocalArray(TILE), ctx.allocateShortLocalArray(TILE),
                ctx.allocateShortLocalArray(2 * TILE), ctx.allocateShortLocalArray(2 * TILE), TILE, q, k, v, dOut,
                logSumExp, delta, sequenceStart, dQ, tokens, heads, kvHeads, headDim, scale, window, softCap);
    }

    /** {@link #queryGradients} for headDim above 128. */
    public static void queryGradientsWide(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                          BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                          IntArray sequenceStart, BFloat16Array dQ, int tokens, int heads,
                                          int kvHeads, int headDim, float scale, int window, float softCap) {
        queryTiles(ctx, ctx.allocateShortLocalArray(WIDE_TILE), ctx.allocateShortLocalArray(WIDE_TILE),
                ctx.allocateShortLocalArray(WIDE_TILE), ctx.allocateShortLocalArray(WIDE_TILE), 0, q, k, v, dOut,
                logSumExp, delta, sequenceStart, dQ, tokens, heads, kvHeads, headDim, scale, window, softCap);
    }

    /**
     * The dK/dV walk. {@code otherBuffer} is the offset of the second Q and dOut tile (the arrays hold two, and the
     * next query tile's loads fly while this one computes), or 0: one of each, loaded and waited for in turn (the
     * Wide entry points, whose doubled tiles would not fit an A100's shared memory).
     */
    private static void keyValueTiles(KernelContext ctx, short[] tileK, short[] tileV, short[] tileQ, short[] tileDOut,
                                      int otherBuffer, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                      BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                      IntArray sequenceStart, BFloat16Array dK, BFloat16Array dV, int tokens, int heads,
                                      int kvHeads, int headDim, float scale, int window, float softCap) {
        float[] rowLogSumExp = ctx.allocateFloatLocalArray(2 * ROWS);   // (2 buffers, 64 queries) f32, lse log2 e
        float[] rowDelta = ctx.allocateFloatLocalArray(2 * ROWS);       // (2 buffers, 64 queries) f32
        int[] rowFirst = ctx.allocateIntLocalArray(2 * ROWS);           // first key each query sees
        float[] keyGradient = new float[4 * COLUMNS / 8];               // dK (16 keys, columns) f32
        float[] valueGradient = new float[4 * COLUMNS / 8];             // dV (16 keys, columns) f32
        float[] scores = new float[4 * STEP / 8];                       // S^T, then P^T (16 keys, 32 queries)
        float[] scoreGradients = new float[4 * STEP / 8];               // dP^T, then dS^T
        float[] capSlopes = new float[4 * STEP / 8];                    // d(capped)/d(scale s), soft-cap only
        int[] fragP = new int[4 * STEP / 16];                           // P^T as A fragments (k = query)
        int[] fragDs = new int[4 * STEP / 16];                          // dS^T as A fragments
        int[] fragA = new int[4];
        int[] fragB = new int[4];
        int stride = headDim + PAD;
        float scaleLog2 = FlashAttention.scoreScale(scale, softCap);    // P = 2^(scaleLog2 s - lse log2 e)
        int columnBlocks = headDim > COLUMNS ? 2 : 1;
        int columns = headDim / columnBlocks;
        int warp = WarpTiles.warp(ctx);
        int firstColumn = ctx.groupIdx % columnBlocks * columns;
        int tile = ctx.groupIdx / columnBlocks;
        int kvHead = tile % kvHeads;
        int firstKey = tile / kvHeads * ROWS;
        int lastKey = Math.min(firstKey + ROWS, tokens) - 1;
        int warpKey = firstKey + 16 * warp;
        // Queries per step: 32, or 16 when 16 x columns x 2 accumulators already take 128 registers.
        int step = columns > 64 ? STEP / 2 : STEP;
        int group = heads / kvHeads;
        int queryTiles = queryTilesSeeing(sequenceStart, firstKey, lastKey, tokens, window);
        int walk = group * queryTiles;                                   // (query head, query tile) pairs
        FlashAttention.loadKeysAndValues(ctx, tileK, tileV, 0, k, v, firstKey, tokens, kvHeads, kvHead, headDim,
                stride);
        WarpTiles.fill(keyGradient, 0f);
        WarpTiles.fill(valueGradient, 0f);
        if (walk > 0) {
            loadQueryTile(ctx, tileQ, tileDOut, 0, rowLogSumExp, rowDelta, rowFirst, 0, q, dOut, logSumExp, delta,
                    sequenceStart, kvHead * group, firstKey, tokens, heads, headDim, stride, window);
        }
        for (int w = 0; w < walk; w++) {
            int head = kvHead * group + w / queryTiles;
            int firstQuery = firstKey + w % queryTiles * ROWS;
            int buffer = otherBuffer == 0 ? 0 : w % 2 * otherBuffer;     // this tile's Q and dOut
            int rows = otherBuffer == 0 ? 0 : w % 2 * ROWS;              // and its row state
            ctx.localBarrier(); // every warp is done with the previous tile (the other buffer, or this one)
            if (otherBuffer == 0 && w > 0) {
                loadQueryTile(ctx, tileQ, tileDOut, 0, rowLogSumExp, rowDelta, rowFirst, 0, q, dOut, logSumExp, delta,
                        sequenceStart, head, firstQuery, tokens, heads, headDim, stride, window);
            }
            if (otherBuffer != 0) {
                if (w + 1 < walk) {
                    int nextBuffer = otherBuffer - buffer;
                    loadQueryTile(ctx, tileQ, tileDOut, nextBuffer, rowLogSumExp, rowDelta, rowFirst, ROWS - rows, q,
                            dOut, logSumExp, delta, sequenceStart, kvHead * group + (w + 1) / queryTiles,
                            firstKey + (w + 1) % queryTiles * ROWS, tokens, heads, headDim, stride, window);
                } else {
                    ctx.asyncCommit(); // two empty groups keep the count of groups in flight the same
                    ctx.asyncCommit();
                }
                ctx.asyncWait(2); // this tile's Q and dOut have landed; the next tile's may be in flight
            } else {
                ctx.asyncWait(0);
            }
            ctx.localBarrier();
            for (int first = 0; first < ROWS; first += step) { // a step of queries at a time
                rowProducts(ctx, scores, fragA, fragB, tileK, 0, tileQ, buffer, stride, 16 * warp, first, step,
                        headDim);
                rowProducts(ctx, scoreGradients, fragA, fragB, tileV, 0, tileDOut, buffer, stride, 16 * warp, first,
                        step, headDim);
                capScores(scores, capSlopes, step / 2, scale, softCap);
                maskUnseenQueries(ctx, scores, warpKey, firstQuery, first, step, rowFirst, rows);
                for (int j = 0; j < step / 8; j++) {
                    for (int e = 0; e < 4; e++) {
                        int r = first + 8 * j + WarpTiles.accCol(ctx, e);
                        float x = TornadoMath.fma(scaleLog2, scores[4 * j + e], -rowLogSumExp[rows + r]);
                        float p = TornadoMath.exp2Approx(x); // a masked -inf gives 0
                        scores[4 * j + e] = p;
                        scoreGradients[4 * j + e] = p * (scoreGradients[4 * j + e] - rowDelta[rows + r]);
                    }
                }
                slopeGradients(scoreGradients, capSlopes, step / 2, softCap);
                WarpTiles.accumulatorAsA(scores, fragP, step / 16, true);
                WarpTiles.accumulatorAsA(scoreGradients, fragDs, step / 16, true);
                accumulate(ctx, valueGradient, fragP, fragB, tileDOut, buffer, stride, first, step, firstColumn,
                        columns);
                accumulate(ctx, keyGradient, fragDs, fragB, tileQ, buffer, stride, first, step, firstColumn, columns);
            }
        }
        int offset = kvHead * headDim + firstColumn;
        storeRows(ctx, keyGradient, scale, dK, warpKey, tokens, kvHeads * headDim, offset, columns);
        storeRows(ctx, valueGradient, 1f, dV, warpKey, tokens, kvHeads * headDim, offset, columns);
    }

    /**
     * How many 64-row query tiles from {@code firstKey} see some key of [firstKey, lastKey]: the walk stops at the
     * first tile that starts past the keys' sequence or beyond the window (both only grow along the walk).
     */
    private static int queryTilesSeeing(IntArray sequenceStart, int firstKey, int lastKey, int tokens, int window) {
        int count = 0;
        for (int firstQuery = firstKey; firstQuery < tokens && sequenceStart.get(firstQuery) <= lastKey
                && (window == 0 || firstQuery - lastKey < window); firstQuery += ROWS) {
            count++;
        }
        return count;
    }

    /**
     * One query tile of one head: Q and dOut rows into the tiles at {@code buffer} by cp.async (two groups) and
     * the rows' log-sum-exp, delta and first key into the row arrays at {@code rows}.
     */
    private static void loadQueryTile(KernelContext ctx, short[] tileQ, short[] tileDOut, int buffer,
                                      float[] rowLogSumExp, float[] rowDelta, int[] rowFirst, int rows, BFloat16Array q,
                                      BFloat16Array dOut, FloatArray logSumExp, FloatArray delta,
                                      IntArray sequenceStart, int head, int firstQuery, int tokens, int heads,
                                      int headDim, int stride, int window) {
        FlashAttention.loadRows(ctx, tileQ, buffer, q, firstQuery, tokens, heads * headDim, head * headDim, headDim,
                stride);
        FlashAttention.loadRows(ctx, tileDOut, buffer, dOut, firstQuery, tokens, heads * headDim, head * headDim,
                headDim, stride);
        loadRowState(ctx, logSumExp, delta, sequenceStart, rowLogSumExp, rowDelta, rowFirst, rows, firstQuery, tokens,
                heads, head, window);
    }

    /**
     * The dQ walk. {@code otherBuffer} is the offset of the second K and V tile (the next key tile's loads fly
     * while this one computes, as in the forward), or 0: one of each (the Wide entry points).
     */
    private static void queryTiles(KernelContext ctx, short[] tileQ, short[] tileDOut, short[] tileK, short[] tileV,
                                   int otherBuffer, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                   BFloat16Array dOut,
                                   FloatArray logSumExp, FloatArray delta, IntArray sequenceStart, BFloat16Array dQ,
                                   int tokens, int heads, int kvHeads, int headDim, float scale, int window,
                                   float softCap) {
        float[] queryGradient = new float[4 * COLUMNS / 8];             // dQ (16 queries, columns) f32
        float[] scores = new float[4 * ROWS / 8];                       // S, then P (16 queries, 64 keys)
        float[] scoreGradients = new float[4 * ROWS / 8];               // dP, then dS
        float[] capSlopes = new float[4 * ROWS / 8];                    // d(capped)/d(scale s), soft-cap only
        int[] fragDs = new int[4 * ROWS / 16];                          // dS as A fragments (k = key)
        int[] fragA = new int[4];
        int[] fragB = new int[4];
        int stride = headDim + PAD;
        float scaleLog2 = FlashAttention.scoreScale(scale, softCap);    // P = 2^(scaleLog2 s - lse log2 e)
        int columnBlocks = headDim > COLUMNS ? 2 : 1;
        int columns = headDim / columnBlocks;
        int warp = WarpTiles.warp(ctx);
        int firstColumn = ctx.groupIdx % columnBlocks * columns;
        int tile = ctx.groupIdx / columnBlocks;
        int head = tile % heads;
        int kvHead = head / (heads / kvHeads);
        int firstQuery = tile / heads * ROWS;
        int lastQuery = Math.min(firstQuery + ROWS, tokens) - 1;
        FlashAttention.loadRows(ctx, tileQ, q, firstQuery, tokens, heads * headDim, head * headDim, headDim, stride);
        FlashAttention.loadRows(ctx, tileDOut, dOut, firstQuery, tokens, heads * headDim, head * headDim, headDim,
                stride);
        // This lane's two rows: g and g + 8 of the warp's 16 (accumulator elements 0, 1 and 2, 3).
        int warpQuery = firstQuery + 16 * warp;
        int top = warpQuery + WarpTiles.accRow(ctx, 0);
        int bottom = top + 8;
        int topFirst = AttentionTiles.rowFirstKey(sequenceStart, top, tokens, window);
        int bottomFirst = AttentionTiles.rowFirstKey(sequenceStart, bottom, tokens, window);
        float topLogSumExp = top < tokens ? FlashAttention.LOG2_E * logSumExp.get((long) top * heads + head) : 0f;
        float bottomLogSumExp = bottom < tokens ? FlashAttention.LOG2_E * logSumExp.get((long) bottom * heads + head)
                : 0f;
        float topDelta = top < tokens ? delta.get((long) top * heads + head) : 0f;
        float bottomDelta = bottom < tokens ? delta.get((long) bottom * heads + head) : 0f;
        WarpTiles.fill(queryGradient, 0f);
        int firstKeyOfAll = AttentionTiles.firstVisibleKey(sequenceStart.get(firstQuery), firstQuery, window);
        FlashAttention.loadKeysAndValues(ctx, tileK, tileV, 0, k, v, firstKeyOfAll, tokens, kvHeads, kvHead, headDim,
                stride);
        int buffer = 0;
        for (int firstKey = firstKeyOfAll; firstKey <= lastQuery; firstKey += ROWS) {
            ctx.localBarrier(); // every warp is done with the previous K and V (the other buffer, or this one)
            if (otherBuffer == 0) {
                if (firstKey != firstKeyOfAll) {
                    FlashAttention.loadKeysAndValues(ctx, tileK, tileV, 0, k, v, firstKey, tokens, kvHeads, kvHead,
                            headDim, stride);
                }
                ctx.asyncWait(0);
            } else {
                if (firstKey + ROWS <= lastQuery) {
                    int next = otherBuffer - buffer;
                    FlashAttention.loadKeysAndValues(ctx, tileK, tileV, next, k, v, firstKey + ROWS, tokens, kvHeads,
                            kvHead, headDim, stride);
                } else {
                    ctx.asyncCommit(); // two empty groups keep the count of groups in flight the same
                    ctx.asyncCommit();
                }
                ctx.asyncWait(2); // this K and V have landed; the next ones may be in flight
            }
            ctx.localBarrier();
            rowProducts(ctx, scores, fragA, fragB, tileQ, 0, tileK, buffer, stride, 16 * warp, 0, ROWS, headDim);
            rowProducts(ctx, scoreGradients, fragA, fragB, tileDOut, 0, tileV, buffer, stride, 16 * warp, 0, ROWS,
                    headDim);
            capScores(scores, capSlopes, ROWS / 2, scale, softCap);
            FlashAttention.maskUnseen(ctx, scores, firstKey, top, topFirst, bottomFirst);
            for (int j = 0; j < ROWS / 8; j++) {
                for (int e = 0; e < 4; e++) {
                    boolean upper = e < 2;
                    float x = TornadoMath.fma(scaleLog2, scores[4 * j + e], upper ? -topLogSumExp : -bottomLogSumExp);
                    float p = TornadoMath.exp2Approx(x); // a masked -inf gives 0
                    scoreGradients[4 * j + e] = p * (scoreGradients[4 * j + e] - (upper ? topDelta : bottomDelta));
                }
            }
            slopeGradients(scoreGradients, capSlopes, ROWS / 2, softCap);
            WarpTiles.accumulatorAsA(scoreGradients, fragDs, ROWS / 16, true);
            accumulate(ctx, queryGradient, fragDs, fragB, tileK, buffer, stride, 0, ROWS, firstColumn, columns);
            buffer = otherBuffer - buffer;
        }
        storeRows(ctx, queryGradient, scale, dQ, warpQuery, tokens, heads * headDim, head * headDim + firstColumn,
                columns);
    }

    /**
     * The dK/dV kernel's mask: scores S^T (this warp's 16 keys from {@code warpKey} x {@code step} queries from
     * {@code firstQuery + first}) of a key its query may not see become -inf. Skipped when every query of the
     * step sees every key of the warp: the keys end before the first query, and start at or after the last
     * query's first visible key (first visible keys never decrease along a tile's queries: sequences are
     * packed in order and windows slide forward; rows past the last token have one past themselves).
     */
    private static void maskUnseenQueries(KernelContext ctx, float[] scores, int warpKey, int firstQuery, int first,
                                          int step, int[] rowFirst, int rows) {
        if (warpKey + 15 <= firstQuery + first && warpKey >= rowFirst[rows + first + step - 1]) {
            return;
        }
        for (int j = 0; j < step / 8; j++) {
            for (int e = 0; e < 4; e++) {
                int key = warpKey + WarpTiles.accRow(ctx, e);
                int r = first + 8 * j + WarpTiles.accCol(ctx, e);
                boolean seen = key >= rowFirst[rows + r] && key <= firstQuery + r;
                scores[4 * j + e] = seen ? scores[4 * j + e] : Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * With a soft-cap (Gemma 2), the first {@code count} scores become softCap * tanh(scale s / softCap) and their
     * slopes 1 - tanh^2 are kept for {@link #slopeGradients}; without one, nothing (the loop is skipped).
     */
    private static void capScores(float[] scores, float[] slopes, int count, float scale, float softCap) {
        if (softCap != 0f) {
            for (int i = 0; i < count; i++) {
                float capped = AttentionTiles.softCap(scale * scores[i], softCap);
                scores[i] = capped;
                slopes[i] = AttentionTiles.softCapDerivative(capped, softCap);
            }
        }
    }

    /** dS times the cap's slope (the chain rule through the tanh), with a soft-cap only. */
    private static void slopeGradients(float[] scoreGradients, float[] slopes, int count, float softCap) {
        if (softCap != 0f) {
            for (int i = 0; i < count; i++) {
                scoreGradients[i] *= slopes[i];
            }
        }
    }

    /*
     * Tile offsets go in the base argument of WarpTiles' loads and the lane's part in its row and column
     * arguments (0 here): every load of a tile then shares one per-lane index and adds a constant, where
     * separate indices per (row block, k step) were each hoisted out of the loops and kept live (240 registers
     * at head_dim 64 before; ptxas' figures in FlashAttentionPtxTest).
     */

    /**
     * acc (this warp's 16 rows from row0, {@code width} columns) = rows row0.. of tileA times rows first..
     * first + width of tileB transposed, over headDim: S = Q K^T, dP = dOut V^T, or their transposes. Both
     * tiles are k-contiguous.
     */
    private static void rowProducts(KernelContext ctx, float[] acc, int[] fragA, int[] fragB, short[] tileA,
                                    int baseA, short[] tileB, int baseB, int stride, int row0, int first, int width,
                                    int headDim) {
        WarpTiles.fill(acc, 0f);
        for (int d = 0; d < headDim / 16; d++) {
            WarpTiles.loadA(ctx, fragA, 0, tileA, baseA + 16 * d, stride, true, row0, 0);
            for (int j = 0; j < width / 16; j++) {
                WarpTiles.loadB(ctx, fragB, 0, tileB, baseB + (first + 16 * j) * stride + 16 * d, stride, true, 0, 0);
                ctx.mmaBf16(acc, 8 * j, fragA, 0, fragB, 0);
                ctx.mmaBf16(acc, 8 * j + 4, fragA, 0, fragB, 2);
            }
        }
    }

    /**
     * acc (16 rows, columns) += A (16 rows, k = rows first.. first + width of tileB, as fragments) times
     * columns firstColumn.. of tileB (k-major): dV += P^T dOut, dK += dS^T Q, dQ += dS K.
     */
    private static void accumulate(KernelContext ctx, float[] acc, int[] fragA, int[] fragB, short[] tileB,
                                   int baseB, int stride, int first, int width, int firstColumn, int columns) {
        for (int c = 0; c < width / 16; c++) {
            for (int d = 0; d < columns / 16; d++) {
                WarpTiles.loadB(ctx, fragB, 0, tileB, baseB + (first + 16 * c) * stride + 16 * d, stride, false,
                        firstColumn, 0);
                ctx.mmaBf16(acc, 8 * d, fragA, 4 * c, fragB, 0);
                ctx.mmaBf16(acc, 8 * d + 4, fragA, 4 * c, fragB, 2);
            }
        }
    }

    /**
     * Each query row's log-sum-exp and delta of this head, and the first key it sees (sequence start or window;
     * rows past the end: none).
     */
    private static void loadRowState(KernelContext ctx, FloatArray logSumExp, FloatArray delta, IntArray sequenceStart,
                                     float[] rowLogSumExp, float[] rowDelta, int[] rowFirst, int rows, int firstQuery,
                                     int tokens, int heads, int head, int window) {
        int r = ctx.localIdx;
        if (r < ROWS) {
            int token = firstQuery + r;
            boolean present = token < tokens;
            rowLogSumExp[rows + r] = present ? FlashAttention.LOG2_E * logSumExp.get((long) token * heads + head) : 0f;
            rowDelta[rows + r] = present ? delta.get((long) token * heads + head) : 0f;
            rowFirst[rows + r] = AttentionTiles.rowFirstKey(sequenceStart, token, tokens, window);
        }
    }

    /** factor * a warp's (16 rows, columns) accumulator into bf16 rows firstRow.. of one head, from offset. */
    private static void storeRows(KernelContext ctx, float[] acc, float factor, BFloat16Array target, int firstRow,
                                  int tokens, int tokenStride, int offset, int columns) {
        for (int d = 0; d < columns / 8; d++) {
            for (int e = 0; e < 4; e++) {
                int row = firstRow + WarpTiles.accRow(ctx, e);
                if (row < tokens) {
                    target.setFloat((long) row * tokenStride + offset + 8 * d + WarpTiles.accCol(ctx, e),
                            factor * acc[4 * d + e]);
                }
            }
        }
    }
}
