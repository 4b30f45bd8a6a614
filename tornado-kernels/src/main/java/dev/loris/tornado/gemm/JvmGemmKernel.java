package dev.loris.tornado.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link JvmGemm}: a {@link #MR} x {@link #NR} block of C kept in
 * twelve vector registers while one packed panel of A ({@code MR} floats per depth step) and one of B
 * ({@code NR} floats per depth step) stream through, one broadcast and two FMAs per row and step.
 *
 * <p>6 rows of two vectors is the largest block whose 12 accumulators, 2 B vectors and the broadcast fit
 * AVX2's 16 registers; AVX-512 has 32, but C2 keeps this loop spill-free at either width, which a bigger
 * block does not guarantee. The vector width is the platform's preferred one (256 or 512 bits on x86).
 * Accumulators live in an f32 tile ({@code acc}) between depth blocks, so C is rounded to its type once.
 */
final class JvmGemmKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector. */
    static final int LANES = SPECIES.length();
    /** Rows of C per kernel call: the packed A panel's width. */
    static final int MR = 6;
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
    }

    private static FloatVector start(float[] acc, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(SPECIES, acc, at) : FloatVector.zero(SPECIES);
    }
}
