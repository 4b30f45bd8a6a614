package dev.loris.tornado.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link JvmGemm}: an {@link #MR} x {@link #NR} block of C kept in
 * vector registers while one packed panel of A ({@code MR} floats per depth step) and one of B ({@code NR}
 * floats per depth step, two vectors) stream through, one broadcast and two FMAs per row and step.
 *
 * <p>The vector width is the platform's preferred one. With 512-bit vectors (AVX-512, 32 registers) the
 * block is 8 rows: 16 accumulators, 2 B vectors and the broadcast fit, and measured 25% faster than 6 rows
 * (12 rows spill). Narrower vectors mean AVX2's 16 registers, where 6 rows is the most that fits and 8 rows
 * was 30% slower. The two extra rows are guarded by a constant, so C2 drops them from the 6-row kernel.
 * Accumulators live in an f32 tile ({@code acc}) between depth blocks, so C is rounded to its type once.
 */
final class JvmGemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int LANES = SPECIES.length();
    /** Whether the block has rows 6 and 7: where there are 32 vector registers. */
    private static final boolean EIGHT_ROWS = SPECIES.vectorBitSize() >= 512;
    /** Rows of C per kernel call: the packed A panel's width. */
    static final int MR = EIGHT_ROWS ? 8 : 6;
    /** Columns of C per kernel call: the packed B panel's width, two vectors. */
    static final int NR = 2 * LANES;

    private JvmGemmKernel() {
    }

    /**
     * {@code acc[MR x NR block] (+)= A panel * B panel} over {@code depth} steps: A's panel holds MR floats
     * per step at {@code aOff}, B's NR floats per step at {@code bOff}; the block's rows are {@code ldAcc}
     * apart in {@code acc} from {@code accOff}. Without {@code accumulate} the block is overwritten.
     */
    static void multiplyBlock(float[] a, int aOff, float[] b, int bOff, int depth, float[] acc, int accOff,
                              int ldAcc, boolean accumulate) {
        int r0 = accOff;
        int r1 = r0 + ldAcc;
        int r2 = r1 + ldAcc;
        int r3 = r2 + ldAcc;
        int r4 = r3 + ldAcc;
        int r5 = r4 + ldAcc;
        int r6 = r5 + ldAcc;
        int r7 = r6 + ldAcc;
        FloatVector c00 = start(acc, r0, accumulate);
        FloatVector c01 = start(acc, r0 + LANES, accumulate);
        FloatVector c10 = start(acc, r1, accumulate);
        FloatVector c11 = start(acc, r1 + LANES, accumulate);
        FloatVector c20 = start(acc, r2, accumulate);
        FloatVector c21 = start(acc, r2 + LANES, accumulate);
        FloatVector c30 = start(acc, r3, accumulate);
        FloatVector c31 = start(acc, r3 + LANES, accumulate);
        FloatVector c40 = start(acc, r4, accumulate);
        FloatVector c41 = start(acc, r4 + LANES, accumulate);
        FloatVector c50 = start(acc, r5, accumulate);
        FloatVector c51 = start(acc, r5 + LANES, accumulate);
        FloatVector c60 = EIGHT_ROWS ? start(acc, r6, accumulate) : null;
        FloatVector c61 = EIGHT_ROWS ? start(acc, r6 + LANES, accumulate) : null;
        FloatVector c70 = EIGHT_ROWS ? start(acc, r7, accumulate) : null;
        FloatVector c71 = EIGHT_ROWS ? start(acc, r7 + LANES, accumulate) : null;
        for (int p = 0, pa = aOff, pb = bOff; p < depth; p++, pa += MR, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, pb);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, pb + LANES);
            FloatVector x = FloatVector.broadcast(SPECIES, a[pa]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(SPECIES, a[pa + 1]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(SPECIES, a[pa + 2]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(SPECIES, a[pa + 3]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(SPECIES, a[pa + 4]);
            c40 = b0.fma(x, c40);
            c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(SPECIES, a[pa + 5]);
            c50 = b0.fma(x, c50);
            c51 = b1.fma(x, c51);
            if (EIGHT_ROWS) {
                x = FloatVector.broadcast(SPECIES, a[pa + 6]);
                c60 = b0.fma(x, c60);
                c61 = b1.fma(x, c61);
                x = FloatVector.broadcast(SPECIES, a[pa + 7]);
                c70 = b0.fma(x, c70);
                c71 = b1.fma(x, c71);
            }
        }
        c00.intoArray(acc, r0);
        c01.intoArray(acc, r0 + LANES);
        c10.intoArray(acc, r1);
        c11.intoArray(acc, r1 + LANES);
        c20.intoArray(acc, r2);
        c21.intoArray(acc, r2 + LANES);
        c30.intoArray(acc, r3);
        c31.intoArray(acc, r3 + LANES);
        c40.intoArray(acc, r4);
        c41.intoArray(acc, r4 + LANES);
        c50.intoArray(acc, r5);
        c51.intoArray(acc, r5 + LANES);
        if (EIGHT_ROWS) {
            c60.intoArray(acc, r6);
            c61.intoArray(acc, r6 + LANES);
            c70.intoArray(acc, r7);
            c71.intoArray(acc, r7 + LANES);
        }
    }

    private static FloatVector start(float[] acc, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(SPECIES, acc, at) : FloatVector.zero(SPECIES);
    }
}
