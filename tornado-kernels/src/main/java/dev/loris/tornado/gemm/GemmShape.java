package dev.loris.tornado.gemm;

import dev.loris.LorisException;

/**
 * What one GEMM call computes, without its data: {@code C = alpha * op(A) * op(B) + beta * C (+ bias)} for
 * each of {@code batch} matrices, all row-major as Loris' activations are ({@code (tokens, hidden)}).
 *
 * <p>op(A) is (m, k): A is stored (m, k) with row stride {@code lda}, or, when {@code transposeA}, stored
 * (k, m) and read transposed. op(B) is (k, n): B stored (k, n), or (n, k) when {@code transposeB} — the
 * usual case for a linear layer {@code Y = X * W^T} with W stored (out, in) as Hugging Face stores it. C is
 * (m, n) with row stride {@code ldc}. Batch i's matrices start {@code i * stride} elements after the first.
 * A leading dimension is the number of elements between the starts of consecutive stored rows.
 *
 * <p>Types: A and B may be f32, f16 or bf16 (B's type may differ from A's only where a backend says so);
 * C f32, f16 or bf16; products are accumulated in f32, rounded to C's type once at the end. With {@code bias}
 * a vector of n values (C's type, or f32) is added to every row after scaling, as cuBLASLt's bias epilogue
 * does.
 *
 * <p>A record, so backends cache plans and algorithm choices keyed by it.
 */
public record GemmShape(int m, int n, int k, boolean transposeA, boolean transposeB,
                        long lda, long ldb, long ldc, int batch, long strideA, long strideB, long strideC,
                        GemmType typeA, GemmType typeB, GemmType typeC, boolean bias) {

    public GemmShape {
        require(m >= 1 && n >= 1 && k >= 1, "m, n and k must be at least 1 (got " + m + ", " + n + ", " + k + ")");
        require(batch >= 1, "batch must be at least 1 (got " + batch + ")");
        require(lda >= (transposeA ? m : k), "lda " + lda + " is below the stored row length " + (transposeA ? m : k));
        require(ldb >= (transposeB ? k : n), "ldb " + ldb + " is below the stored row length " + (transposeB ? k : n));
        require(ldc >= n, "ldc " + ldc + " is below n = " + n);
        require(batch == 1 || (strideA >= 0 && strideB >= 0 && strideC >= 0), "batch strides must not be negative");
    }

    /** Packed (m, k) x (k, n) with the given transposes and types, one matrix, no bias. */
    public static GemmShape of(int m, int n, int k, boolean transposeA, boolean transposeB,
                               GemmType typeA, GemmType typeB, GemmType typeC) {
        long lda = transposeA ? m : k;
        long ldb = transposeB ? k : n;
        return new GemmShape(m, n, k, transposeA, transposeB, lda, ldb, n, 1,
                (long) m * k, (long) k * n, (long) m * n, typeA, typeB, typeC, false);
    }

    /** The same with {@code batch} matrices, packed one after the other. */
    public GemmShape batched(int count) {
        return new GemmShape(m, n, k, transposeA, transposeB, lda, ldb, ldc, count,
                storedRows(transposeA ? k : m, lda), storedRows(transposeB ? n : k, ldb), storedRows(m, ldc),
                typeA, typeB, typeC, bias);
    }

    public GemmShape withLeadingDimensions(long newLda, long newLdb, long newLdc) {
        return new GemmShape(m, n, k, transposeA, transposeB, newLda, newLdb, newLdc, batch, strideA, strideB,
                strideC, typeA, typeB, typeC, bias);
    }

    public GemmShape withStrides(long newStrideA, long newStrideB, long newStrideC) {
        return new GemmShape(m, n, k, transposeA, transposeB, lda, ldb, ldc, batch, newStrideA, newStrideB,
                newStrideC, typeA, typeB, typeC, bias);
    }

    public GemmShape withBias() {
        return new GemmShape(m, n, k, transposeA, transposeB, lda, ldb, ldc, batch, strideA, strideB, strideC,
                typeA, typeB, typeC, true);
    }

    /** Elements of A the call reads, from its offset: the last batch's last stored row's end. */
    public long extentA() {
        return extent(transposeA ? k : m, transposeA ? m : k, lda, strideA);
    }

    public long extentB() {
        return extent(transposeB ? n : k, transposeB ? k : n, ldb, strideB);
    }

    public long extentC() {
        return extent(m, n, ldc, strideC);
    }

    /** Multiply-adds times two, the FLOP count benchmarks divide by. */
    public double flops() {
        return 2.0 * m * n * k * batch;
    }

    @Override
    public String toString() {
        return "GEMM " + m + "x" + n + "x" + k + (transposeA ? " A^T" : "") + (transposeB ? " B^T" : "")
                + (batch > 1 ? " batch " + batch : "") + " " + typeA + "*" + typeB + "->" + typeC
                + (bias ? " +bias" : "");
    }

    private long extent(int rows, int cols, long ld, long stride) {
        return (batch - 1) * stride + (rows - 1) * ld + cols;
    }

    private static long storedRows(int rows, long ld) {
        return rows * ld;
    }

    private static void require(boolean condition, String problem) {
        if (!condition) {
            throw new LorisException("bad GEMM shape: " + problem, "check the layer's dimensions");
        }
    }
}
