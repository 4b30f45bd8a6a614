package dev.loris.tornado.gemm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

/**
 * Loris' own GEMM kernel, {@code C = alpha * op(A) * op(B) + beta * C (+ bias)} as {@link GemmShape} defines
 * it, in one kernel method that the compiler specialises on the operand types and transposes (see
 * {@link TiledGemm}, which fixes those parameters as compile-time constants, so every branch on them folds).
 *
 * <p>Tiles: a work-group of {@link #GROUP} = 256 work-items computes a {@link #TILE} x {@link #TILE} = 64 x 64
 * tile of C, each work-item a 4 x 4 block held in 16 registers (the compiler has no private arrays, so they
 * are 16 named locals). K advances {@link #DEPTH} = 16 at a time: the group copies a 64 x 16 slice of op(A)
 * and a 16 x 64 slice of op(B) to local memory (4 + 4 elements per work-item, converted to f32 on the way),
 * waits at a barrier, and every work-item does 16 x 16 fused multiply-adds from local memory. Why these sizes:
 * 64 x 64 x 16 keeps both slices in 8.3 KB of local memory and the work-item at 86 registers (ptxas, sm_90, no
 * spills), so two or three groups share an SM and hide each other's global-memory latency between barriers;
 * 4 x 4 per work-item is the largest block that stays readable as named locals. It costs 8 local reads per 16
 * multiply-adds, so the kernel is bound by local-memory bandwidth near half the f32 peak (no tensor cores, no
 * prefetch of the next slice): it is the fallback when no vendor library is there, not a rival to cuBLASLt.
 *
 * <p>Layouts: work-item (tx, ty) = (id % 16, id / 16) owns rows {@code ty + 16i} and columns {@code tx + 16j}
 * of the tile (i, j in 0..3), so its C stores are coalesced across tx, and its local reads are consecutive
 * words (B) or one broadcast word (A) per half-warp: no bank conflicts. Slices are stored k-major with a row
 * stride of 65 ({@link #STRIDE}): the global loads walk along each operand's stored rows (coalesced whether
 * or not it is transposed), and the odd stride spreads the resulting local writes over the banks.
 *
 * <p>Grid: global = {tilesM * 256, tilesN, min(batch, 65535)}, local = {256, 1, 1}; batches beyond the
 * grid's z loop. Any m, n, k from 1: elements past an edge load as zero and are not stored. Arrays come in
 * three typed slots per operand ({@link FloatArray}, {@link HalfFloatArray}, {@link BFloat16Array}); the type
 * code picks the one read, and the others may be any array (never touched). {@code beta == 0} does not read C.
 *
 * <p>Arithmetic: products accumulated in f32 with fma, in k order per element; then
 * {@code fma(beta, c, alpha * acc) + bias} in f32, rounded once to C's type (nearest-even).
 */
public final class TiledGemmKernels {
    /** Type codes of the {@code type*} parameters: the order of {@link GemmType}. */
    public static final int F32 = GemmEpilogue.F32;
    public static final int F16 = GemmEpilogue.F16;
    public static final int BF16 = GemmEpilogue.BF16;
    /** The bias type code of a GEMM without bias. */
    public static final int NO_BIAS = GemmEpilogue.NO_BIAS;

    /** Work-items per group, and rows and columns of C per group. */
    public static final int GROUP = 256;
    public static final int TILE = 64;
    /** K values per local-memory slice. */
    public static final int DEPTH = 16;
    /** Work-items along a tile's side; each covers TILE / SIDE = 4 rows and 4 columns. */
    static final int SIDE = 16;
    /** Row stride of a slice in local memory: one more than the tile, so column walks change bank. */
    static final int STRIDE = TILE + 1;
    /** The most groups a grid has along y and z (CUDA's limit): more column tiles do not fit, more batches loop. */
    public static final int MAX_GROUPS_YZ = 65535;

    /** Java parameter indexes of {@link #multiply} (the context is 0), as launches set them. */
    static final int PARAM_A = 1;
    static final int PARAM_B = 7;
    static final int PARAM_C = 13;
    static final int PARAM_BIAS = 19;
    static final int PARAM_M = 22;
    /** The compile-time constants {@link TiledGemm} fixes: four type codes, then the two transposes. */
    static final int PARAM_TYPE_A = 28;
    static final int PARAM_TRANSPOSE_A = 32;

    private TiledGemmKernels() {
    }

    public static void multiply(KernelContext ctx,
                                FloatArray aF32, HalfFloatArray aF16, BFloat16Array aBf16, long offsetA, long lda,
                                long strideA,
                                FloatArray bF32, HalfFloatArray bF16, BFloat16Array bBf16, long offsetB, long ldb,
                                long strideB,
                                FloatArray cF32, HalfFloatArray cF16, BFloat16Array cBf16, long offsetC, long ldc,
                                long strideC,
                                FloatArray biasF32, HalfFloatArray biasF16, BFloat16Array biasBf16,
                                int m, int n, int k, int batches, float alpha, float beta,
                                int typeA, int typeB, int typeC, int typeBias, boolean transposeA, boolean transposeB) {
        float[] sliceA = ctx.allocateFloatLocalArray(DEPTH * STRIDE);
        float[] sliceB = ctx.allocateFloatLocalArray(DEPTH * STRIDE);
        int tx = ctx.localIdx % SIDE;
        int ty = ctx.localIdx / SIDE;
        int row0 = ctx.groupIdx * TILE;
        int col0 = ctx.groupIdy * TILE;
        for (int batch = ctx.groupIdz; batch < batches; batch += ctx.globalGroupSizeZ) {
            long baseA = offsetA + batch * strideA;
            long baseB = offsetB + batch * strideB;
            float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f;
            float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
            float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f;
            float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
            for (int k0 = 0; k0 < k; k0 += DEPTH) {
                // A stored (m, k) runs along k, as does B stored transposed (n, k).
                loadSlice(ctx, sliceA, typeA, aF32, aF16, aBf16, baseA, lda, !transposeA, row0, m, k0, k);
                loadSlice(ctx, sliceB, typeB, bF32, bF16, bBf16, baseB, ldb, transposeB, col0, n, k0, k);
                ctx.localBarrier();
                for (int kk = 0; kk < DEPTH; kk++) {
                    int at = kk * STRIDE;
                    float a0 = sliceA[at + ty];
                    float a1 = sliceA[at + ty + SIDE];
                    float a2 = sliceA[at + ty + 2 * SIDE];
                    float a3 = sliceA[at + ty + 3 * SIDE];
                    float b0 = sliceB[at + tx];
                    float b1 = sliceB[at + tx + SIDE];
                    float b2 = sliceB[at + tx + 2 * SIDE];
                    float b3 = sliceB[at + tx + 3 * SIDE];
                    c00 = TornadoMath.fma(a0, b0, c00);
                    c01 = TornadoMath.fma(a0, b1, c01);
                    c02 = TornadoMath.fma(a0, b2, c02);
                    c03 = TornadoMath.fma(a0, b3, c03);
                    c10 = TornadoMath.fma(a1, b0, c10);
                    c11 = TornadoMath.fma(a1, b1, c11);
                    c12 = TornadoMath.fma(a1, b2, c12);
                    c13 = TornadoMath.fma(a1, b3, c13);
                    c20 = TornadoMath.fma(a2, b0, c20);
                    c21 = TornadoMath.fma(a2, b1, c21);
                    c22 = TornadoMath.fma(a2, b2, c22);
                    c23 = TornadoMath.fma(a2, b3, c23);
                    c30 = TornadoMath.fma(a3, b0, c30);
                    c31 = TornadoMath.fma(a3, b1, c31);
                    c32 = TornadoMath.fma(a3, b2, c32);
                    c33 = TornadoMath.fma(a3, b3, c33);
                }
                ctx.localBarrier(); // the next slice overwrites what this one read
            }
            long baseC = offsetC + batch * strideC;
            int row = row0 + ty;
            int col = col0 + tx;
            storeRow(c00, c01, c02, c03, row, col, m, n, alpha, beta, typeC, cF32, cF16, cBf16, baseC, ldc,
                    typeBias, biasF32, biasF16, biasBf16);
            storeRow(c10, c11, c12, c13, row + SIDE, col, m, n, alpha, beta, typeC, cF32, cF16, cBf16, baseC, ldc,
                    typeBias, biasF32, biasF16, biasBf16);
            storeRow(c20, c21, c22, c23, row + 2 * SIDE, col, m, n, alpha, beta, typeC, cF32, cF16, cBf16, baseC,
                    ldc, typeBias, biasF32, biasF16, biasBf16);
            storeRow(c30, c31, c32, c33, row + 3 * SIDE, col, m, n, alpha, beta, typeC, cF32, cF16, cBf16, baseC,
                    ldc, typeBias, biasF32, biasF16, biasBf16);
        }
    }

    /**
     * Copies the TILE x DEPTH slice of an operand at (outer0, k0) to {@code slice[kk * STRIDE + r]}: r along
     * the operand's outer dimension (m for A, n for B), kk along k; zero past either edge. {@code kAlongRows}:
     * the stored rows run along k (element (r, kk) at r * ld + kk), else along the outer dimension (kk * ld + r).
     * Consecutive work-items take consecutive stored elements either way.
     */
    private static void loadSlice(KernelContext ctx, float[] slice, int type, FloatArray f32, HalfFloatArray f16,
                                  BFloat16Array bf16, long base, long ld, boolean kAlongRows, int outer0,
                                  int outerSize, int k0, int kSize) {
        for (int e = 0; e < TILE * DEPTH / GROUP; e++) {
            int i = ctx.localIdx + e * GROUP;
            int r = kAlongRows ? i / DEPTH : i % TILE;
            int kk = kAlongRows ? i % DEPTH : i / TILE;
            int outer = outer0 + r;
            int kg = k0 + kk;
            float value = 0f;
            if (outer < outerSize && kg < kSize) {
                value = load(type, f32, f16, bf16, base + (kAlongRows ? outer * ld + kg : kg * ld + outer));
            }
            slice[kk * STRIDE + r] = value;
        }
    }

    /** Four results of one row of C, columns {@code col + 16j}, through {@link #store}. */
    private static void storeRow(float acc0, float acc1, float acc2, float acc3, int row, int col, int m, int n,
                                 float alpha, float beta, int typeC, FloatArray cF32, HalfFloatArray cF16,
                                 BFloat16Array cBf16, long baseC, long ldc, int typeBias, FloatArray biasF32,
                                 HalfFloatArray biasF16, BFloat16Array biasBf16) {
        if (row < m) {
            long rowStart = baseC + row * ldc;
            store(acc0, col, n, alpha, beta, typeC, cF32, cF16, cBf16, rowStart, typeBias, biasF32, biasF16, biasBf16);
            store(acc1, col + SIDE, n, alpha, beta, typeC, cF32, cF16, cBf16, rowStart, typeBias, biasF32, biasF16,
                    biasBf16);
            store(acc2, col + 2 * SIDE, n, alpha, beta, typeC, cF32, cF16, cBf16, rowStart, typeBias, biasF32,
                    biasF16, biasBf16);
            store(acc3, col + 3 * SIDE, n, alpha, beta, typeC, cF32, cF16, cBf16, rowStart, typeBias, biasF32,
                    biasF16, biasBf16);
        }
    }

    /** One element of C, when its column is inside n. */
    private static void store(float acc, int col, int n, float alpha, float beta, int typeC, FloatArray cF32,
                              HalfFloatArray cF16, BFloat16Array cBf16, long rowStart, int typeBias,
                              FloatArray biasF32, HalfFloatArray biasF16, BFloat16Array biasBf16) {
        if (col < n) {
            GemmEpilogue.store(acc, rowStart + col, col, alpha, beta, typeC, cF32, cF16, cBf16, typeBias, biasF32,
                    biasF16, biasBf16);
        }
    }

    /** Element {@code i} of the slot {@code type} names, as f32. */
    private static float load(int type, FloatArray f32, HalfFloatArray f16, BFloat16Array bf16, long i) {
        return GemmEpilogue.load(type, f32, f16, bf16, i);
    }
}
