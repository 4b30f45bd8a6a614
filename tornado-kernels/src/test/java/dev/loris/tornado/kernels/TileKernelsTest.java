package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

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

    /**
     * The accumulator-to-fragment conversion bit for bit: ties to even at every rounding position, overflow to
     * infinity, signed zeros, subnormals, and NaNs of any sign and payload to 0x7FFF, plus random values.
     */
    @AcrossBackends
    void packBfloat16MatchesJavaBitForBit(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        float[] special = {0f, -0f, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                Float.intBitsToFloat(0xFFC00001), Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0x3F808000),
                Float.intBitsToFloat(0x3F818000), Float.intBitsToFloat(0x3F808001), Float.intBitsToFloat(0x7F7FFFFF),
                Float.intBitsToFloat(0x00008000), Float.intBitsToFloat(0x80018000)};
        int pairs = 512;
        float[] values = in.floats(2 * pairs, 4f);
        for (int i = 0; i < values.length; i += 3) {
            values[i] = Float.intBitsToFloat(in.random.nextInt()); // any bits: NaNs, subnormals, huge values
        }
        System.arraycopy(special, 0, values, 0, special.length);
        System.arraycopy(special, 0, values, 2 * pairs - special.length - 1, special.length);
        IntArray packed = new IntArray(pairs);
        packed.init(0x5A5A5A5A);
        backend.run(SuiteInputs.kernel(TileKernels.class, "packPairs"), new int[] {pairs}, new int[] {64},
                FloatArray.fromArray(values), packed);
        for (int i = 0; i < pairs; i++) {
            int expected = TornadoMath.packBfloat16(values[2 * i], values[2 * i + 1]);
            int actual = packed.get(i);
            assertEquals(expected, actual, in.at(backend, "pair " + i + " (" + Integer.toHexString(
                    Float.floatToRawIntBits(values[2 * i])) + ", " + Integer.toHexString(Float.floatToRawIntBits(
                    values[2 * i + 1])) + "): expected " + Integer.toHexString(expected) + ", got "
                    + Integer.toHexString(actual)));
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
