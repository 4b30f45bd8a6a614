package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row-major shape to column-major problem mapping, without a GPU: one shape spelled out, then random
 * shapes (transposes, padded leading dimensions, batches) run through a column-major GEMM that reads the
 * problem exactly as cuBLASLt documents it, against the row-major definition of GemmShape.
 */
class CublasLtProblemTest {

    @Test
    void aLinearLayerBecomesTheTransposedProblem() {
        // Y (16 x 96) = X (16 x 64) * W^T, W stored (96 x 64) as Hugging Face stores it; bf16 in, f32 out.
        GemmShape shape = GemmShape.of(16, 96, 64, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32);
        CublasLtProblem p = CublasLtProblem.of(shape);
        assertEquals(CublasLtConstants.OP_T, p.transa()); // cuBLASLt's A is W, stored column-major as (64 x 96)
        assertEquals(CublasLtConstants.OP_N, p.transb()); // its B is X, column-major (64 x 16) = X^T
        assertEquals(new CublasLtProblem.Operand(CublasLtConstants.CUDA_R_16BF, 64, 96, 64, 1, 96L * 64), p.a());
        assertEquals(new CublasLtProblem.Operand(CublasLtConstants.CUDA_R_16BF, 64, 16, 64, 1, 16L * 64), p.b());
        assertEquals(new CublasLtProblem.Operand(CublasLtConstants.CUDA_R_32F, 96, 16, 96, 1, 16L * 96), p.c());
    }

    @Test
    void randomShapesComputeTheRowMajorProduct() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int trial = 0; trial < 200; trial++) {
            GemmShape s = randomShape(random);
            double[] a = randomValues(random, s.extentA());
            double[] b = randomValues(random, s.extentB());
            double[] expected = rowMajor(s, a, b);
            double[] got = columnMajor(CublasLtProblem.of(s), b, a, s.extentC());
            for (int i = 0; i < expected.length; i++) {
                if (Double.compare(expected[i], got[i]) != 0) {
                    throw new AssertionError(s + ": element " + i + " is " + got[i] + ", expected " + expected[i]
                            + " (seed " + seed + ")");
                }
            }
        }
    }

    @Test
    void typesCuBlasLtAccepts() {
        for (GemmType a : GemmType.values()) {
            for (GemmType c : GemmType.values()) {
                GemmShape same = GemmShape.of(2, 2, 2, false, false, a, a, c);
                assertEquals(c == a || c == GemmType.F32, CublasLtProblem.supports(same), same.toString());
            }
        }
        assertFalse(CublasLtProblem.supports(GemmShape.of(2, 2, 2, false, false, GemmType.BF16, GemmType.F16,
                GemmType.F32)));
        assertEquals(CublasLtConstants.CUDA_R_16F, CublasLtProblem.dataType(GemmType.F16));
    }

    @Test
    void narrowOutputsKeepSplitKSumsInF32() {
        assertEquals(0x7, CublasLtProblem.reductionSchemes(GemmType.F32));
        assertEquals(CublasLtConstants.REDUCTION_COMPUTE_TYPE, CublasLtProblem.reductionSchemes(GemmType.BF16));
        assertEquals(CublasLtConstants.REDUCTION_COMPUTE_TYPE, CublasLtProblem.reductionSchemes(GemmType.F16));
    }

    @Test
    void alignmentIsTheLargestPowerOfTwoUpTo256() {
        assertEquals(256, CublasLtProblem.alignment(0x7f0000001000L));
        assertEquals(256, CublasLtProblem.alignment(0x7f0000000100L));
        assertEquals(16, CublasLtProblem.alignment(0x7f0000001010L));
        assertEquals(4, CublasLtProblem.alignment(0x7f0000001014L));
        assertEquals(2, CublasLtProblem.alignment(0x7f0000001002L));
        assertEquals(4, CublasLtProblem.alignment(0x7f0000001000L + 5 * 4), "offset 5 of an f32 array");
        assertEquals(2, CublasLtProblem.alignment(0x7f0000001000L + 5 * 2), "offset 5 of a bf16 array");
    }

    private static GemmShape randomShape(Random random) {
        int m = 1 + random.nextInt(9);
        int n = 1 + random.nextInt(9);
        int k = 1 + random.nextInt(9);
        boolean ta = random.nextBoolean();
        boolean tb = random.nextBoolean();
        GemmShape s = GemmShape.of(m, n, k, ta, tb, GemmType.F32, GemmType.F32, GemmType.F32);
        s = s.withLeadingDimensions(s.lda() + random.nextInt(3), s.ldb() + random.nextInt(3), s.ldc() + random.nextInt(3));
        s = s.batched(1 + random.nextInt(3));
        return s.withStrides(s.strideA() + random.nextInt(4), s.strideB() + random.nextInt(4),
                s.strideC() + random.nextInt(4));
    }

    private static double[] randomValues(Random random, long n) {
        double[] values = new double[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(2001) - 1000;
        }
        return values;
    }

    /** GemmShape's definition: row-major, A (m, k) or stored (k, m), B (k, n) or stored (n, k). */
    private static double[] rowMajor(GemmShape s, double[] a, double[] b) {
        double[] c = new double[Math.toIntExact(s.extentC())];
        for (int batch = 0; batch < s.batch(); batch++) {
            for (int row = 0; row < s.m(); row++) {
                for (int col = 0; col < s.n(); col++) {
                    double sum = 0;
                    for (int p = 0; p < s.k(); p++) {
                        long at = batch * s.strideA() + (s.transposeA() ? p * s.lda() + row : row * s.lda() + p);
                        long bt = batch * s.strideB() + (s.transposeB() ? col * s.ldb() + p : p * s.ldb() + col);
                        sum += a[(int) at] * b[(int) bt];
                    }
                    c[(int) (batch * s.strideC() + row * s.ldc() + col)] = sum;
                }
            }
        }
        return c;
    }

    /**
     * cuBLASLt's column-major D = op(A) op(B): element (i, j) of a layout at i + j * ld; op(A) is m x k, op(B)
     * k x n, D m x n with m, n the rows and columns of C's layout. Checks the layouts agree with that first.
     */
    private static double[] columnMajor(CublasLtProblem p, double[] a, double[] b, long extentC) {
        long m = p.c().rows();
        long n = p.c().cols();
        boolean ta = p.transa() == CublasLtConstants.OP_T;
        boolean tb = p.transb() == CublasLtConstants.OP_T;
        long k = ta ? p.a().rows() : p.a().cols();
        assertEquals(m, ta ? p.a().cols() : p.a().rows(), "rows of op(A)");
        assertEquals(k, tb ? p.b().cols() : p.b().rows(), "rows of op(B)");
        assertEquals(n, tb ? p.b().rows() : p.b().cols(), "columns of op(B)");
        for (CublasLtProblem.Operand o : new CublasLtProblem.Operand[] {p.a(), p.b(), p.c()}) {
            assertTrue(o.ld() >= o.rows(), "a column-major leading dimension covers the rows: " + o);
        }
        double[] d = new double[Math.toIntExact(extentC)];
        for (int batch = 0; batch < p.c().batch(); batch++) {
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double sum = 0;
                    for (long q = 0; q < k; q++) {
                        long at = batch * p.a().stride() + (ta ? q + i * p.a().ld() : i + q * p.a().ld());
                        long bt = batch * p.b().stride() + (tb ? j + q * p.b().ld() : q + j * p.b().ld());
                        sum += b[(int) bt] * a[(int) at];
                    }
                    d[(int) (batch * p.c().stride() + i + j * p.c().ld())] = sum;
                }
            }
        }
        return d;
    }
}
