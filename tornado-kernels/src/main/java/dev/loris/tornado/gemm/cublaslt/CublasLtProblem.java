package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;

/**
 * A row-major {@link GemmShape} as the column-major problem cuBLASLt is given. Pure arithmetic, no native
 * calls, so it is tested without a GPU.
 *
 * <p>Row-major C (m x n, row stride ldc) is, byte for byte, column-major C^T (n x m, leading dimension ldc),
 * and C^T = op(B)^T op(A)^T. So cuBLASLt's first operand is our B, its second our A, and its m, n are our
 * n, m; every leading dimension and batch stride passes through unchanged. We chose this swap over
 * CUBLASLT_ORDER_ROW because cuBLASLt's bias epilogue adds a vector along D's rows, and in the swapped
 * problem D's rows are our columns: exactly GemmShape's bias, one value per column of C. (With ORDER_ROW
 * the bias would run along our rows, and fewer kernels accept row order.)
 *
 * <p>A stored row-major matrix of r rows and c columns is, column-major, c rows by r columns with the same
 * leading dimension: our B is stored (k, n), or (n, k) when transposed; seen column-major that is (n, k) =
 * op(B)^T as needed, or (k, n), which must be transposed (OP_T). Likewise for A.
 *
 * @param transa operation on cuBLASLt's A (our B): OP_N or OP_T
 * @param transb operation on cuBLASLt's B (our A)
 * @param a      layout of cuBLASLt's A, i.e. our B
 * @param b      layout of cuBLASLt's B, i.e. our A
 * @param c      layout of C and D (the same matrix: cuBLASLt multiplies in place)
 */
record CublasLtProblem(int transa, int transb, Operand a, Operand b, Operand c) {

    /** One matrix layout: cudaDataType, column-major rows and columns, leading dimension, batch and stride. */
    record Operand(int dataType, long rows, long cols, long ld, int batch, long stride) {
    }

    /**
     * Whether cuBLASLt can run {@code shape} with f32 compute: A and B of one type; C of that type or f32
     * (f16 or bf16 inputs with f32 output are supported, f32 inputs with a narrower output are not).
     */
    static boolean supports(GemmShape shape) {
        return shape.typeA() == shape.typeB() && (shape.typeC() == shape.typeA() || shape.typeC() == GemmType.F32);
    }

    static CublasLtProblem of(GemmShape s) {
        Operand ourB = new Operand(dataType(s.typeB()), s.transposeB() ? s.k() : s.n(),
                s.transposeB() ? s.n() : s.k(), s.ldb(), s.batch(), s.strideB());
        Operand ourA = new Operand(dataType(s.typeA()), s.transposeA() ? s.m() : s.k(),
                s.transposeA() ? s.k() : s.m(), s.lda(), s.batch(), s.strideA());
        Operand c = new Operand(dataType(s.typeC()), s.n(), s.m(), s.ldc(), s.batch(), s.strideC());
        return new CublasLtProblem(s.transposeB() ? CublasLtConstants.OP_T : CublasLtConstants.OP_N,
                s.transposeA() ? CublasLtConstants.OP_T : CublasLtConstants.OP_N, ourB, ourA, c);
    }

    static int dataType(GemmType type) {
        return switch (type) {
            case F32 -> CublasLtConstants.CUDA_R_32F;
            case F16 -> CublasLtConstants.CUDA_R_16F;
            case BF16 -> CublasLtConstants.CUDA_R_16BF;
        };
    }

    /**
     * The split-K reduction schemes that keep partial sums in f32: all of them when C is f32; only
     * COMPUTE_TYPE otherwise, since INPLACE and OUTPUT_TYPE would round each partial sum to f16/bf16 and break
     * GemmShape's "rounded to C's type once at the end".
     */
    static int reductionSchemes(GemmType typeC) {
        return typeC == GemmType.F32 ? CublasLtConstants.REDUCTION_ALL : CublasLtConstants.REDUCTION_COMPUTE_TYPE;
    }

    /**
     * The alignment, in bytes, cuBLASLt may assume of a device address: the largest power of two dividing it,
     * at most 256 (the heuristics' default assumption, and what cuMemAlloc guarantees). An element offset
     * can make an operand as little as 2-byte aligned; algorithms chosen for 256 would then fail.
     */
    static int alignment(long address) {
        return address == 0 ? 256 : (int) Math.min(256, Long.lowestOneBit(address));
    }
}
