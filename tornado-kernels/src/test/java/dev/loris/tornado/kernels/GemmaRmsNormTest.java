package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemma's (1 + w) RMSNorm, forward and backward, f32 and bf16, on fresh random inputs with poisoned outputs, against
 * the plain references of GemmaRmsNorm and RmsNormBackward (tolerances in GemmaRmsNorm's comment).
 */
class GemmaRmsNormTest {
    private record Problem(int rows, int cols, int local, float[] x, float[] weight, float[] dOut, float eps) {
        static Problem draw(SuiteInputs in, boolean bf16) {
            int rows = in.between(1, 80);
            int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 3000);
            return new Problem(rows, cols, 1 << in.between(5, 8), values(in, rows * cols, 3f, bf16),
                    values(in, cols, 1f, bf16), values(in, rows * cols, 1f, bf16), 1e-6f);
        }

        FloatingPointArray array(float[] values, boolean bf16) {
            return bf16 ? BFloat16Array.fromFloats(values) : FloatArray.fromArray(values);
        }
    }

    @AcrossBackends
    void forwardF32(SuiteAccelerator backend) {
        checkForward(backend, false);
    }

    @AcrossBackends
    void forwardBf16RoundsOnceAtTheEnd(SuiteAccelerator backend) {
        checkForward(backend, true);
    }

    @AcrossBackends
    void backwardF32(SuiteAccelerator backend) {
        checkBackward(backend, false);
    }

    @AcrossBackends
    void backwardBf16(SuiteAccelerator backend) {
        checkBackward(backend, true);
    }

    private static void checkForward(SuiteAccelerator backend, boolean bf16) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, bf16);
        FloatingPointArray out = bf16 ? SuiteInputs.poisonedBf16(p.x.length) : SuiteInputs.poisonedFloats(p.x.length);
        FloatArray inverseRms = SuiteInputs.poisonedFloats(p.rows);
        backend.run(SuiteInputs.kernel(GemmaRmsNorm.class, "forward"), new int[] {p.rows * p.local},
                new int[] {p.local}, p.array(p.x, bf16), p.array(p.weight, bf16), out, inverseRms, p.cols, p.eps);
        float[] exact = RmsNormReference.inverseRmsReference(p.x, p.cols, p.eps);
        float[] kernelInverse = new float[p.rows];
        for (int r = 0; r < p.rows; r++) {
            kernelInverse[r] = inverseRms.get(r);
            assertTrue(Math.abs(kernelInverse[r] - exact[r]) <= 4e-6f * exact[r],
                    in.at(backend, "inverse RMS of row " + r + ": " + kernelInverse[r] + ", expected " + exact[r]));
        }
        // the outputs from the kernel's own statistic: the same f32 products, so within one f32 ulp
        float[] expected = GemmaRmsNormReference.forwardReference(p.x, p.weight, kernelInverse);
        for (int i = 0; i < p.x.length; i++) {
            float ulp = Math.ulp(expected[i]);
            float low = expected[i] - ulp;
            float high = expected[i] + ulp;
            if (bf16) {
                low = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(low));
                high = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(high));
            }
            float actual = out.getFloat(i);
            assertTrue(actual >= low && actual <= high, in.at(backend, "element " + i + " of " + p.rows + "x" + p.cols
                    + ": " + actual + ", expected " + expected[i]));
        }
    }

    private static void checkBackward(SuiteAccelerator backend, boolean bf16) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, bf16);
        float[] inverse = RmsNormReference.inverseRmsReference(p.x, p.cols, p.eps);
        FloatingPointArray dX = bf16 ? SuiteInputs.poisonedBf16(p.x.length) : SuiteInputs.poisonedFloats(p.x.length);
        FloatArray dW = SuiteInputs.poisonedFloats(p.cols);
        backend.run(SuiteInputs.kernel(GemmaRmsNorm.class, "backward"), new int[] {p.rows * p.local},
                new int[] {p.local}, p.array(p.x, bf16), p.array(p.weight, bf16), p.array(p.dOut, bf16),
                FloatArray.fromArray(inverse), dX, p.cols);
        // one block of all rows: the partials are the weight gradient itself
        backend.run(SuiteInputs.kernel(GemmaRmsNorm.class, "weightGradientPartials"),
                new int[] {(p.cols + 63) / 64 * 64, 1}, new int[] {64, 1}, p.array(p.x, bf16), p.array(p.dOut, bf16),
                FloatArray.fromArray(inverse), dW, p.rows, p.cols, p.rows);
        double[] g = GemmaRmsNormReference.weightedGradientReference(p.dOut, p.weight);
        double[] x = new double[p.x.length];
        double[] inv = new double[p.rows];
        for (int i = 0; i < x.length; i++) {
            x[i] = p.x[i];
        }
        for (int r = 0; r < p.rows; r++) {
            inv[r] = inverse[r];
        }
        double[] expected = RmsNormBackwardReference.inputGradientReference(g, x, inv);
        for (int r = 0; r < p.rows; r++) {
            double dotMagnitude = 0;
            for (int c = 0; c < p.cols; c++) {
                dotMagnitude += Math.abs(g[r * p.cols + c] * x[r * p.cols + c]);
            }
            for (int c = 0; c < p.cols; c++) {
                int i = r * p.cols + c;
                double magnitude = inv[r] * Math.abs(g[i]) + Math.abs(x[i]) * Math.pow(inv[r], 3) * dotMagnitude / p.cols;
                double bound = 2e-6 * magnitude + (bf16 ? Math.abs(expected[i]) / 256 : 0) + Float.MIN_NORMAL;
                assertTrue(Math.abs(dX.getFloat(i) - expected[i]) <= bound, in.at(backend, "dX " + i + ": "
                        + dX.getFloat(i) + ", expected " + expected[i] + " within " + bound));
            }
        }
        double[] expectedW = GemmaRmsNormReference.weightGradientReference(p.x, p.dOut, inverse);
        for (int c = 0; c < p.cols; c++) {
            double magnitude = 0;
            for (int r = 0; r < p.rows; r++) {
                magnitude += Math.abs((double) p.dOut[r * p.cols + c] * p.x[r * p.cols + c] * inverse[r]);
            }
            assertTrue(Math.abs(dW.get(c) - expectedW[c]) <= 2e-6 * magnitude + Float.MIN_NORMAL,
                    in.at(backend, "dW " + c + ": " + dW.get(c) + ", expected " + expectedW[c]));
        }
    }

    private static float[] values(SuiteInputs in, int n, float scale, boolean bf16) {
        return bf16 ? SuiteInputs.widen(in.bf16(n, scale)) : in.floats(n, scale);
    }
}
