package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tile operations against plain Java on every backend: fragments, both ldmatrix forms (every transpose of
 * A and B), bf16 and f16 products, and cp.async pipelining. The JVM and OpenCL add the 16 exact products in k
 * order, as the reference does, so they agree to a few ulp of the sum of magnitudes; tensor cores add in their
 * own order, within the same bound.
 */
class TileKernelsTest {
    /** Relative to the sum of |products|: f32 accumulation of 16 to a few hundred terms. */
    private static final double TOLERANCE = 1e-5;

    @AcrossBackends
    void mmaBlockMatchesJavaForEveryStorageOrder(SuiteAccelerator backend) {
        for (int variant = 0; variant < 4; variant++) {
            SuiteInputs in = new SuiteInputs();
            boolean aKContiguous = (variant & 1) != 0;
            boolean bKContiguous = (variant & 2) != 0;
            short[] a = in.bf16(TileKernels.BLOCK, 2f);
            short[] b = in.bf16(TileKernels.BLOCK, 2f);
            FloatArray c = SuiteInputs.poisonedFloats(TileKernels.BLOCK);
            backend.run(SuiteInputs.kernel(TileKernels.class, "mmaBlock"), new int[] {32}, new int[] {32},
                    BFloat16Array.fromArray(a), BFloat16Array.fromArray(b), c, aKContiguous, bKContiguous);
            float[] fa = SuiteInputs.widen(a);
            float[] fb = SuiteInputs.widen(b);
            for (int m = 0; m < 16; m++) {
                for (int n = 0; n < 16; n++) {
                    double sum = 0;
                    double magnitude = 0;
                    for (int k = 0; k < 16; k++) {
                        double product = (double) fa[aKContiguous ? m * 16 + k : k * 16 + m]
                                * fb[bKContiguous ? n * 16 + k : k * 16 + n];
                        sum += product;
                        magnitude += Math.abs(product);
                    }
                    assertEquals(sum, c.get(m * 16 + n), TOLERANCE * magnitude + 1e-30, in.at(backend,
                            "A k-contiguous " + aKContiguous + ", B k-contiguous " + bKContiguous + ", C[" + m + "]["
                                    + n + "]"));
                }
            }
        }
    }

    @AcrossBackends
    void pipelinedF16MatchesJava(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int k = 16 * in.between(1, 6);
        float[] a = in.floats(16 * k, 2f);
        float[] b = in.floats(k * 16, 2f);
        HalfFloatArray ha = HalfFloatArray.fromFloats(a);
        HalfFloatArray hb = HalfFloatArray.fromFloats(b);
        FloatArray c = SuiteInputs.poisonedFloats(TileKernels.BLOCK);
        backend.run(SuiteInputs.kernel(TileKernels.class, "pipelinedF16"), new int[] {32}, new int[] {32},
                ha, hb, c, k);
        for (int m = 0; m < 16; m++) {
            for (int n = 0; n < 16; n++) {
                double sum = 0;
                double magnitude = 0;
                for (int kk = 0; kk < k; kk++) {
                    double product = (double) ha.getFloat(m * k + kk) * hb.getFloat(kk * 16 + n);
                    sum += product;
                    magnitude += Math.abs(product);
                }
                assertEquals(sum, c.get(m * 16 + n), TOLERANCE * magnitude + 1e-30,
                        in.at(backend, "k " + k + ", C[" + m + "][" + n + "]"));
            }
        }
    }
}
