package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.LaunchBounds;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.tiles.WarpTiles;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Causal grouped-query attention over packed sequences on tensor cores, forward, in the FlashAttention-2
 * arrangement: the same inputs, outputs and masking as {@link AttentionForward#forwardBf16} (layout in
 * {@link AttentionShape}), with Q K^T and P V as mma.sync products and the softmax in registers.
 *
 * <p>Work: a work-group of 4 warps takes {@link #QUERY_ROWS} = 64 query rows of one head, each warp 16 rows,
 * whose Q fragments it keeps in registers for the whole kernel. It walks key tiles of {@link #KEY_ROWS} = 64
 * from its first row's sequence start to its last row: K and V come to local memory by cp.async, double
 * buffered (the next tile's K and V are in flight while this one computes) and as separate groups, so the
 * scores S = Q K^T (a 16 x 64 accumulator per warp) start while V may still be arriving; the
 * online softmax runs on the accumulator itself (each row lives in the 4 lanes of a quad: two shuffles find its
 * max), the probabilities P are packed to bf16 A fragments without leaving registers (WarpTiles.pack), and
 * O += P V accumulates a 16 x headDim block per warp. Row sums stay per lane until the end.
 *
 * <p>Options ({@link AttentionOptions}): a sliding window masks like the causal mask (and the walk starts at the
 * first tile the window reaches); a soft-cap turns each score into softCap * tanh(scale s / softCap) before the
 * softmax, as AttentionForward does.
 *
 * <p>Limits: headDim a multiple of 16 up to {@link #MAX_HEAD_DIM} (128), a compile-time constant (it sizes
 * the loops over fragments); {@link AttentionForward} serves the others. Grid: global = {@link #groups} * 128,
 * local = 128. Local memory: four tiles of 64 x (128 + 8) bf16 (two K, two V; Q passes through the second V
 * buffer on its way to registers), 68 KiB (dynamic shared memory on CUDA; three work-groups fit an H100 SM's
 * 228 KiB) and {@code @LaunchBounds} asks ptxas for the registers of three (168 a thread, where it would use
 * about 178 and spill nothing: it spills a few dozen bytes instead).
 *
 * <p>Rounding: S in f32 from exact bf16 products, softmax in f32 in base 2 (scores scaled by scale * log2 e,
 * p = 2^(s - max) by TornadoMath.exp2Approx, within about 2^-22 of relative error), P rounded to bf16 for P V (as
 * FlashAttention-2 does), O accumulated in f32 and rounded to bf16 once. Against the exact result: within
 * 2^-8 of sum |p v| plus the output's half ulp.
 */
public final class FlashAttention {
    public static final int QUERY_ROWS = 64;
    public static final int KEY_ROWS = 64;
    public static final int GROUP = 128;
    public static final int MAX_HEAD_DIM = 128;
    /** Row padding of the local tiles (keeps ldmatrix's 8 rows in 8 bank groups). */
    static final int PAD = 8;
    static final int TILE = QUERY_ROWS * (MAX_HEAD_DIM + PAD);
    /** log2(e) and ln(2): the softmax runs in base 2 (one ex2.approx per score), the saved lse in base e. */
    static final float LOG2_E = 1.4426950408889634f;
    static final float LN_2 = 0.6931471805599453f;
    /** Java parameter index of headDim, which must be fixed as a compile-time constant. */
    public static final int PARAM_HEAD_DIM = 10;
    /** Java parameter index of softCap, fixed at compile time by the launchers (0 compiles the capping away). */
    public static final int PARAM_SOFT_CAP = 13;

    private FlashAttention() {
    }

    /** Work-groups of {@link #forwardBf16}: one per (64 query rows, head). */
    public static int groups(AttentionShape shape) {
        return (shape.tokens() + QUERY_ROWS - 1) / QUERY_ROWS * shape.heads();
    }

    /** Whether {@link #forwardBf16} runs this head size. */
    public static boolean supports(int headDim) {
        return headDim % 16 == 0 && headDim <= MAX_HEAD_DIM;
    }

    @LaunchBounds(maxGroupSize = GROUP, minGroupsPerProcessor = 3)
    public static void forwardBf16(KernelContext ctx, BFloat16Array q, BFloat16Array k, BFloat16Array v,
                                   IntArray sequenceStart, BFloat16Array out, FloatArray logSumExp, int tokens,
                                   int heads, int kvHeads, int headDim, float scale, int window, float softCap) {
        short[] tileK = ctx.allocateShortLocalArray(2 * TILE);          // two buffers of (64 keys, headDim)
        short[] tileV = ctx.allocateShortLocalArray(2 * TILE);          // two buffers of (64 keys, headDim); Q's
                                                                         // (64 queries, headDim) in the second
                                                                         // until the first prefetch
        int[] fragQ = new int[4 * MAX_HEAD_DIM / 16];                   // the warp's 16 rows of Q, as A fragments
        int[] fragK = new int[4];                                        // two 16 x 8 blocks of K^T
        int[] fragV = new int[4];                                        // two 16 x 8 blocks of V
        int[] fragP = new int[4 * KEY_ROWS / 16];                        // P (16 x 64) as A fragments
        float[] scores = new float[4 * KEY_ROWS / 8];                    // S (16 x 64), then P, f32
        float[] output = new float[4 * MAX_HEAD_DIM / 8];               // O (16 x headDim), f32
        int stride = headDim + PAD;
        int warp = WarpTiles.warp(ctx);
        int head = ctx.groupIdx % heads;
        int kvHead = head / (heads / kvHeads);
        int firstQuery = ctx.groupIdx / heads * QUERY_ROWS;
        int lastQuery = Math.min(firstQuery + QUERY_ROWS, tokens) - 1;
        // Q passes through V's second buffer into registers; the loop's first barrier comes before the first
        // prefetch overwrites it.
        loadRows(ctx, tileV, TILE, q, firstQuery, tokens, heads * headDim, head * headDim, headDim, stride);
        ctx.asyncWait(0);
        ctx.localBarrier();
        for (int d = 0; d < headDim / 16; d++) {
            WarpTiles.loadA(ctx, fragQ, 4 * d, tileV, TILE, stride, true, 16 * warp, 16 * d);
        }
        // This lane's two rows: g and g + 8 of the warp's 16 (accumulator elements 0, 1 and 2, 3).
        int top = firstQuery + 16 * warp + WarpTiles.accRow(ctx, 0);
        int bottom = top + 8;
        int topFirst = AttentionTiles.rowFirstKey(sequenceStart, top, tokens, window);
        int bottomFirst = AttentionTiles.rowFirstKey(sequenceStart, bottom, tokens, window);
        // Maxima in log2 units: p = 2^(s scaleLog2 - max). A soft-capped score is capped in natural units first
        // (below), and scaleLog2 is then log2 e alone.
        float scaleLog2 = scoreScale(scale, softCap);
        float topMax = Float.NEGATIVE_INFINITY;
        float bottomMax = Float.NEGATIVE_INFINITY;
        float topSum = 0f;
        float bottomSum = 0f;
        WarpTiles.fill(output, 0f);
        int firstKeyOfAll = AttentionTiles.firstVisibleKey(sequenceStart.get(firstQuery), firstQuery, window);
        loadKeysAndValues(ctx, tileK, tileV, 0, k, v, firstKeyOfAll, tokens, kvHeads, kvHead, headDim, stride);
        int buffer = 0;
        for (int firstKey = firstKeyOfAll; firstKey <= lastQuery; firstKey += KEY_ROWS) {
            ctx.localBarrier(); // every warp is done with the other buffer (the previous K and V)
            // Prefetch the next K and V into the other buffer while this tile computes; without a next tile two
            // empty groups keep the count of groups in flight the same.
            int next = TILE - buffer;
            if (firstKey + KEY_ROWS <= lastQuery) {
                loadKeysAndValues(ctx, tileK, tileV, next, k, v, firstKey + KEY_ROWS, tokens, kvHeads, kvHead, headDim,
                        stride);
            } else {
                ctx.asyncCommit();
                ctx.asyncCommit();
            }
            ctx.asyncWait(3); // this K has landed; this V and the next tile may still be in flight
            ctx.localBarrier();
            WarpTiles.fill(scores, 0f);
            for (int d = 0; d < headDim / 16; d++) {
                for (int j = 0; j < KEY_ROWS / 16; j++) {
                    WarpTiles.loadB(ctx, fragK, 0, tileK, buffer, stride, true, 16 * j, 16 * d);
                    ctx.mmaBf16(scores, 8 * j, fragQ, 4 * d, fragK, 0);
                    ctx.mmaBf16(scores, 8 * j + 4, fragQ, 4 * d, fragK, 2);
                }
            }
            if (softCap != 0f) { // Gemma 2: softCap * tanh(scale s / softCap), still in natural units
                for (int i = 0; i < 4 * KEY_ROWS / 8; i++) {
                    scores[i] = AttentionTiles.softCap(scale * scores[i], softCap);
                }
            }
            maskUnseen(ctx, scores, firstKey, top, topFirst, bottomFirst);
            // Each row's max over this tile (raw scores: scaling by a positive factor keeps the order), across
            // its quad, in log2 units.
            float topTileMax = Math.max(topMax, scaleLog2 * quadMax(ctx, rowMax(scores, 0)));
            float bottomTileMax = Math.max(bottomMax, scaleLog2 * quadMax(ctx, rowMax(scores, 2)));
            // A row that has seen no key yet keeps max = -inf; its base 0 makes every 2^(-inf - base) zero.
            float topBase = topTileMax == Float.NEGATIVE_INFINITY ? 0f : topTileMax;
            float bottomBase = bottomTileMax == Float.NEGATIVE_INFINITY ? 0f : bottomTileMax;
            float topRescale = TornadoMath.exp2Approx(topMax - topBase);
            float bottomRescale = TornadoMath.exp2Approx(bottomMax - bottomBase);
            topMax = topTileMax;
            bottomMax = bottomTileMax;
            // p = 2^(s scale log2 e - base): one fma and one ex2 a score (a masked -inf gives 0).
            for (int j = 0; j < KEY_ROWS / 8; j++) {
                for (int e = 0; e < 4; e++) {
                    scores[4 * j + e] = TornadoMath.exp2Approx(Math.fma(scores[4 * j + e], scaleLog2,
                            -(e < 2 ? topBase : bottomBase)));
                }
            }
            topSum = Math.fma(topSum, topRescale, rowSum(scores, 0));
            bottomSum = Math.fma(bottomSum, bottomRescale, rowSum(scores, 2));
            // Once the rows' maxima settle most tiles leave them unchanged: the factors are then exactly 1 and
            // the headDim / 2 multiplications are skipped (a lane whose rows moved takes its warp through them).
            if (topRescale != 1f || bottomRescale != 1f) {
                for (int j = 0; j < 4 * headDim / 8; j++) {
                    output[j] *= j % 4 < 2 ? topRescale : bottomRescale;
                }
            }
            // P as A fragments: key blocks 2c and 2c + 1 of S are the 16 keys of A block c.
            WarpTiles.accumulatorAsA(scores, fragP, KEY_ROWS / 16, true);
            ctx.asyncWait(2); // this V has landed
            ctx.localBarrier();
            for (int c = 0; c < KEY_ROWS / 16; c++) {
                for (int d = 0; d < headDim / 16; d++) {
                    WarpTiles.loadB(ctx, fragV, 0, tileV, buffer, stride, false, 16 * d, 16 * c);
                    ctx.mmaBf16(output, 8 * d, fragP, 4 * c, fragV, 0);
                    ctx.mmaBf16(output, 8 * d + 4, fragP, 4 * c, fragV, 2);
                }
            }
            buffer = TILE - buffer;
        }
        finish(ctx, output, out, logSumExp, top, topMax, quadSum(ctx, topSum), bottomMax,
                quadSum(ctx, bottomSum), tokens, heads, head, headDim);
    }

    /**
     * Scores (16 rows x 64 keys from {@code firstKey}, as accumulators) of keys a row may not see become -inf:
     * each of this lane's two rows ({@code top} and top + 8) sees keys from its first visible key up to itself.
     * The rows' first keys are their sequences' starts or their windows' (AttentionTiles.firstVisibleKey), and
     * past the last token a row's first key lies beyond it. Only where the tile is not wholly visible to both
     * rows (the diagonal, a sequence's start, a window's edge): most tiles of a long sequence skip the mask. The
     * dQ kernel (FlashAttentionBackward) masks its scores the same way.
     */
    static void maskUnseen(KernelContext ctx, float[] scores, int firstKey, int top, int topFirst, int bottomFirst) {
        if (firstKey >= topFirst && firstKey >= bottomFirst && firstKey + KEY_ROWS - 1 <= top) {
            return;
        }
        for (int j = 0; j < KEY_ROWS / 8; j++) {
            for (int e = 0; e < 4; e++) {
                int key = firstKey + 8 * j + WarpTiles.accCol(ctx, e);
                boolean seen = e < 2 ? key >= topFirst && key <= top : key >= bottomFirst && key <= top + 8;
                scores[4 * j + e] = seen ? scores[4 * j + e] : Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * The max of this lane's 16 scores of one row ({@code half} 0: the top row, elements 0 and 1 of each 8-key
     * block; 2: the bottom row) as four chains of four, then two levels: a chain of 16 dependent max
     * operations was what the forward's warps stalled on most (ncu: "wait", fixed-latency dependencies).
     */
    static float rowMax(float[] scores, int half) {
        float[] partial = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY};
        for (int j = 0; j < KEY_ROWS / 8; j++) {
            partial[j % 4] = Math.max(partial[j % 4], Math.max(scores[4 * j + half], scores[4 * j + half + 1]));
        }
        return Math.max(Math.max(partial[0], partial[1]), Math.max(partial[2], partial[3]));
    }

    /** The sum of this lane's 16 values of one row, as {@link #rowMax} takes the max: four chains, then a tree. */
    static float rowSum(float[] values, int half) {
        float[] partial = new float[4];
        for (int j = 0; j < KEY_ROWS / 8; j++) {
            partial[j % 4] += values[4 * j + half] + values[4 * j + half + 1];
        }
        return (partial[0] + partial[1]) + (partial[2] + partial[3]);
    }

    /** O divided by the row sums into bf16, and each row's log-sum-exp (from the quad's first lane). */
    private static void finish(KernelContext ctx, float[] output, BFloat16Array out, FloatArray logSumExp, int top,
                               float topMax, float topSum, float bottomMax, float bottomSum, int tokens, int heads,
                               int head, int headDim) {
        for (int d = 0; d < headDim / 8; d++) {
            for (int e = 0; e < 4; e++) {
                boolean upper = e < 2;
                int row = upper ? top : top + 8;
                if (row < tokens) {
                    out.setFloat((long) row * heads * headDim + head * headDim + 8 * d + WarpTiles.accCol(ctx, e),
                            output[4 * d + e] / (upper ? topSum : bottomSum));
                }
            }
        }
        if (WarpTiles.lane(ctx) % 4 == 0) {
            if (top < tokens) {
                logSumExp.set((long) top * heads + head, topMax * LN_2 + TornadoMath.log(topSum));
            }
            if (top + 8 < tokens) {
                logSumExp.set((long) (top + 8) * heads + head, bottomMax * LN_2 + TornadoMath.log(bottomSum));
            }
        }
    }

    /**
     * 64 rows of one head into a local tile by cp.async (one group); rows past the last token are zeros. The
     * backward (FlashAttentionBackward) loads its tiles the same way.
     */
    static void loadRows(KernelContext ctx, short[] tile, BFloat16Array source, int firstToken, int tokens,
                         int tokenStride, int headOffset, int headDim, int stride) {
        loadRows(ctx, tile, 0, source, firstToken, tokens, tokenStride, headOffset, headDim, stride);
    }

    /** {@link #loadRows} into the tile that starts at element {@code base} of {@code tiles}. */
    static void loadRows(KernelContext ctx, short[] tiles, int base, BFloat16Array source, int firstToken, int tokens,
                         int tokenStride, int headOffset, int headDim, int stride) {
        int chunksPerRow = headDim / 8;
        for (int c = ctx.localIdx; c < QUERY_ROWS * chunksPerRow; c += GROUP) {
            int r = c / chunksPerRow;
            int d = (c % chunksPerRow) * 8;
            int token = firstToken + r;
            boolean present = token < tokens;
            long at = present ? (long) token * tokenStride + headOffset + d : 0;
            ctx.copyAsync(tiles, base + r * stride + d, source, at, present ? 8 : 0);
        }
        ctx.asyncCommit();
    }

    /**
     * 64 key rows and 64 value rows of one kv head from {@code firstKey} into the tiles at {@code base}: two
     * cp.async groups, K's then V's (the forward and the dQ kernel wait for them separately or together).
     */
    static void loadKeysAndValues(KernelContext ctx, short[] tileK, short[] tileV, int base, BFloat16Array k,
                                  BFloat16Array v, int firstKey, int tokens, int kvHeads, int kvHead, int headDim,
                                  int stride) {
        loadRows(ctx, tileK, base, k, firstKey, tokens, kvHeads * headDim, kvHead * headDim, headDim, stride);
        loadRows(ctx, tileV, base, v, firstKey, tokens, kvHeads * headDim, kvHead * headDim, headDim, stride);
    }

    /** What multiplies a score s in the exponent (log2 units): scale log2 e, or log2 e for a capped score. */
    static float scoreScale(float scale, float softCap) {
        return softCap != 0f ? LOG2_E : scale * LOG2_E;
    }

    /** The maximum over the 4 lanes of a quad (the lanes holding one accumulator row). */
    static float quadMax(KernelContext ctx, float value) {
        float m = Math.max(value, ctx.simdShuffleXor(value, 1));
        return Math.max(m, ctx.simdShuffleXor(m, 2));
    }

    private static float quadSum(KernelContext ctx, float value) {
        float s = value + ctx.simdShuffleXor(value, 1);
        return s + ctx.simdShuffleXor(s, 2);
    }
}
