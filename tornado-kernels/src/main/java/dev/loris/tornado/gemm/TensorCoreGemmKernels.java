package dev.loris.tornado.gemm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.tiles.WarpTiles;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

/**
 * Loris' tensor-core GEMM, {@code C = alpha * op(A) * op(B) + beta * C (+ bias)} as {@link GemmShape} defines
 * it, for bf16 or f16 A and B (the same type) with f32 accumulation, in one kernel method specialised by
 * {@link TensorCoreGemm} on the input type, C's type, the bias type, the transposes and whether the operands
 * are 16-byte aligned (those parameters become compile-time constants, so every branch on them folds).
 *
 * <p>Tiles: a work-group of 8 warps computes a {@link #BM} x {@link #BN} = 128 x 128 tile of C; warp w owns
 * the 64 x 32 block at rows 64 (w / 4), columns 32 (w % 4), as 4 x 4 accumulator blocks of 16 x 8 (64 floats
 * per lane, {@link WarpTiles}). K advances {@link #BK} = 32 at a time through {@link #STAGES} = 3 slices of A
 * and B in local memory: while the warps multiply slice s, cp.async brings slices s + 1 and s + 2, so global
 * latency hides behind the tensor cores (the classic Ampere pipeline). Per 16 of k a warp loads 4 A fragments
 * and 4 B fragments with ldmatrix and issues 16 mma.sync.
 *
 * <p>Local layout: each operand slice keeps the operand's stored order, so the global copies are coalesced
 * 16-byte chunks whatever the transpose, and ldmatrix (k-contiguous) or ldmatrix.trans (k-major) turns it into
 * fragments. Rows are padded by 8 elements (row strides of 40 and 136 elements: 80 and 272 bytes), which puts
 * the 8 rows one ldmatrix reads in 8 different bank groups. Two operands x 3 stages x 10 KiB = 60 KiB, above
 * the 48 KiB of static shared memory, so the PTX uses dynamic shared memory (see PtxEmitter).
 *
 * <p>Edges: any m, n, k from 1. Elements past an edge are copied as zeros (cp.async reads fewer bytes and
 * zero-fills) and results past an edge are not stored. cp.async needs 16-byte aligned sources: when an
 * operand's offset, leading dimension or batch stride is not a multiple of 8 elements, the variant with
 * {@code aligned == false} copies element by element instead.
 *
 * <p>Grid: global = {tilesM * 256, tilesN, min(batch, 65535)}, local = {256, 1, 1}; batches beyond the grid's
 * z loop. Arithmetic: tensor-core products and f32 sums; then {@link GemmEpilogue}.
 */
public final class TensorCoreGemmKernels {
    /** Type codes, the order of {@link GemmType}; inputs are F16 or BF16. */
    public static final int F32 = GemmEpilogue.F32;
    public static final int F16 = GemmEpilogue.F16;
    public static final int BF16 = GemmEpilogue.BF16;
    public static final int NO_BIAS = GemmEpilogue.NO_BIAS;

    public static final int GROUP = 256;
    public static final int BM = 128;
    public static final int BN = 128;
    public static final int BK = 32;
    public static final int STAGES = 3;
    /** A warp's block of C: 64 x 32, as 4 x 4 mma blocks of 16 x 8. */
    static final int WARP_M = 64;
    static final int WARP_N = 32;
    static final int TILES_M = WARP_M / 16;
    static final int TILES_N = WARP_N / 8;
    /** Warps along n in the group's tile. */
    static final int WARPS_N = BN / WARP_N;
    /** Local row strides: k-contiguous slices (rows of BK) and k-major ones (rows of BM or BN), padded by 8. */
    static final int STRIDE_K = BK + 8;
    static final int STRIDE_OUTER = BM + 8;
    /** Elements per operand per stage: the larger of the two layouts. */
    static final int STAGE = BM * STRIDE_K;
    /** 16-byte chunks per operand slice, and per work-item. */
    static final int CHUNKS = BM * BK / 8;
    static final int CHUNKS_PER_ITEM = CHUNKS / GROUP;
    public static final int MAX_GROUPS_YZ = 65535;

    /** Java parameter indexes (the context is 0), as launches set them. */
    static final int PARAM_A = 1;
    static final int PARAM_B = 6;
    static final int PARAM_C = 11;
    static final int PARAM_BIAS = 17;
    static final int PARAM_M = 20;
    /** The compile-time constants: input type, C type, bias type, transposes, alignment. */
    static final int PARAM_TYPE_IN = 26;

    private TensorCoreGemmKernels() {
    }

    public static void multiply(KernelContext ctx,
                                HalfFloatArray aF16, BFloat16Array aBf16, long offsetA, long lda, long strideA,
                                HalfFloatArray bF16, BFloat16Array bBf16, long offsetB, long ldb, long strideB,
                                FloatArray cF32, HalfFloatArray cF16, BFloat16Array cBf16, long offsetC, long ldc,
                                long strideC,
                                FloatArray biasF32, HalfFloatArray biasF16, BFloat16Array biasBf16,
                                int m, int n, int k, int batches, float alpha, float beta,
                                int typeIn, int typeC, int typeBias, boolean transposeA, boolean transposeB,
                                boolean aligned) {
        short[] tileA = ctx.allocateShortLocalArray(STAGES * STAGE); // STAGES x (BM, BK) or (BK, BM), padded
        short[] tileB = ctx.allocateShortLocalArray(STAGES * STAGE); // STAGES x (BN, BK) or (BK, BN), padded
        float[] acc = new float[4 * TILES_M * TILES_N];              // the warp's (64, 32) block of C, f32
        int[] fragA = new int[4 * TILES_M];                          // A fragments of 4 row blocks
        int[] fragB = new int[2 * TILES_N];                          // B fragments of 4 column blocks
        int warp = WarpTiles.warp(ctx);
        int warpRow = (warp / WARPS_N) * WARP_M;
        int warpCol = (warp % WARPS_N) * WARP_N;
        int row0 = ctx.groupIdx * BM;
        int col0 = ctx.groupIdy * BN;
        boolean bf16 = typeIn == BF16;
        // A stored (m, k) is k-contiguous, as is B stored transposed (n, k): a linear layer's weight.
        boolean aKContiguous = !transposeA;
        boolean bKContiguous = transposeB;
        int strideLocalA = aKContiguous ? STRIDE_K : STRIDE_OUTER;
        int strideLocalB = bKContiguous ? STRIDE_K : STRIDE_OUTER;
        int slices = (k + BK - 1) / BK;
        for (int batch = ctx.groupIdz; batch < batches; batch += ctx.globalGroupSizeZ) {
            long baseA = offsetA + batch * strideA;
            long baseB = offsetB + batch * strideB;
            WarpTiles.fill(acc, 0f);
            for (int s = 0; s < STAGES - 1; s++) {
                if (s < slices) {
                    loadSlice(ctx, tileA, s * STAGE, aF16, aBf16, bf16, baseA, lda, aKContiguous, row0, m, s * BK, k,
                            aligned);
                    loadSlice(ctx, tileB, s * STAGE, bF16, bBf16, bf16, baseB, ldb, bKContiguous, col0, n, s * BK, k,
                            aligned);
                }
                ctx.asyncCommit();
            }
            for (int slice = 0; slice < slices; slice++) {
                ctx.asyncWait(STAGES - 2); // this slice's group has landed (one younger may be in flight)
                ctx.localBarrier();        // ...for every work-item, and everyone is done with the oldest stage
                int next = slice + STAGES - 1;
                if (next < slices) {
                    int stage = (next % STAGES) * STAGE;
                    loadSlice(ctx, tileA, stage, aF16, aBf16, bf16, baseA, lda, aKContiguous, row0, m, next * BK, k,
                            aligned);
                    loadSlice(ctx, tileB, stage, bF16, bBf16, bf16, baseB, ldb, bKContiguous, col0, n, next * BK, k,
                            aligned);
                }
                ctx.asyncCommit();
                int stage = (slice % STAGES) * STAGE;
                for (int kk = 0; kk < BK; kk += 16) {
                    for (int i = 0; i < TILES_M; i++) {
                        WarpTiles.loadA(ctx, fragA, 4 * i, tileA, stage, strideLocalA, aKContiguous,
                                warpRow + 16 * i, kk);
                    }
                    for (int j = 0; j < TILES_N / 2; j++) {
                        WarpTiles.loadB(ctx, fragB, 4 * j, tileB, stage, strideLocalB, bKContiguous,
                                warpCol + 16 * j, kk);
                    }
                    WarpTiles.mma(ctx, acc, fragA, fragB, TILES_M, TILES_N, bf16);
                }
            }
            ctx.asyncWait(0);
            ctx.localBarrier(); // the next batch's first slices overwrite the stages
            long baseC = offsetC + batch * strideC;
            storeAccumulator(ctx, acc, row0 + warpRow, col0 + warpCol, m, n, alpha, beta, typeC, cF32, cF16, cBf16,
                    baseC, ldc, typeBias, biasF32, biasF16, biasBf16);
        }
    }

    /**
     * Copies the (outer 128) x (k 32) slice at (outer0, k0) of an operand into local memory at {@code stage},
     * in its stored order: 512 chunks of 8 elements, 2 per work-item, consecutive work-items taking
     * consecutive chunks of a stored row. Chunks past the edges are zero-filled.
     */
    private static void loadSlice(KernelContext ctx, short[] tile, int stage, HalfFloatArray f16, BFloat16Array bf16,
                                  boolean isBf16, long base, long ld, boolean kContiguous, int outer0, int outerSize,
                                  int k0, int kSize, boolean aligned) {
        for (int c = 0; c < CHUNKS_PER_ITEM; c++) {
            int chunk = ctx.localIdx + c * GROUP;
            // k-contiguous: 128 rows of 4 chunks; k-major: 32 rows of 16 chunks.
            int rows = kContiguous ? BK / 8 : BM / 8;
            int row = chunk / rows;
            int column = (chunk % rows) * 8;
            int outer = outer0 + (kContiguous ? row : column);
            int kg = k0 + (kContiguous ? column : row);
            int count = kContiguous ? (outer < outerSize ? kSize - kg : 0) : (kg < kSize ? outerSize - outer : 0);
            count = Math.max(0, Math.min(8, count));
            long at = count > 0 ? base + (kContiguous ? outer * ld + kg : kg * ld + outer) : base;
            int local = stage + row * (kContiguous ? STRIDE_K : STRIDE_OUTER) + column;
            copyChunk(ctx, tile, local, f16, bf16, isBf16, at, count, aligned);
        }
    }

    /** 8 elements into local memory, the first {@code count} from {@code global[at..]}, the rest zeros. */
    private static void copyChunk(KernelContext ctx, short[] tile, int local, HalfFloatArray f16, BFloat16Array bf16,
                                  boolean isBf16, long at, int count, boolean aligned) {
        if (aligned) {
            if (isBf16) {
                ctx.copyAsync(tile, local, bf16, at, count);
            } else {
                ctx.copyAsync(tile, local, f16, at, count);
            }
            return;
        }
        for (int e = 0; e < 8; e++) {
            short bits = 0;
            if (e < count) {
                bits = isBf16 ? bf16.get(at + e) : f16.getBits(at + e);
            }
            tile[local + e] = bits;
        }
    }

    /** The warp's accumulator into C at (row0, col0): block (i, j), element e at its fragment position. */
    private static void storeAccumulator(KernelContext ctx, float[] acc, int row0, int col0, int m, int n,
                                         float alpha, float beta, int typeC, FloatArray cF32, HalfFloatArray cF16,
                                         BFloat16Array cBf16, long baseC, long ldc, int typeBias, FloatArray biasF32,
                                         HalfFloatArray biasF16, BFloat16Array biasBf16) {
        for (int i = 0; i < TILES_M; i++) {
            for (int j = 0; j < TILES_N; j++) {
                for (int e = 0; e < 4; e++) {
                    int row = row0 + 16 * i + WarpTiles.accRow(ctx, e);
                    int col = col0 + 8 * j + WarpTiles.accCol(ctx, e);
                    if (row < m && col < n) {
                        GemmEpilogue.store(acc[4 * (i * TILES_N + j) + e], baseC + row * ldc + col, col, alpha,
                                beta, typeC, cF32, cF16, cBf16, typeBias, biasF32, biasF16, biasBf16);
                    }
                }
            }
        }
    }
}
