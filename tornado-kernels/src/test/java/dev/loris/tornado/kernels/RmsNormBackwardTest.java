package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import org.junit.jupiter.api.Test;

import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RMSNorm backward against double-precision references from the same inputs and the same f32 inverse RMS
 * (tolerances in RmsNormBackward; bf16 results must lie between the bf16 roundings of the reference's ends),
 * and the reference maths against central finite differences of the forward in double.
 */
class RmsNormBackwardTest {
    private static final double TOLERANCE = 2e-6;

    /** A random problem; bf16 problems draw bf16 values, f32 ones any floats. */
    private record Problem(int rows, int cols, int local, float[] x, float[] weight, float[] dOut,
                           float[] inverseRms) {
        static Problem draw(SuiteInputs in, boolean bf16) {
            int rows = in.between(1, 80);
            int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 4096);
            int local = 1 << in.between(5, 8);
            float[] x = values(in, rows * cols, 3f, bf16);
            float eps = in.random.nextBoolean() ? 1e-5f : 1e-6f;
            return new Problem(rows, cols, local, x, values(in, cols, 2f, bf16), values(in, rows * cols, 1f, bf16),
                    RmsNormReference.inverseRmsReference(x, cols, eps));
        }

        String describe(int i) {
            return "row " + i / cols + " column " + i % cols + " of " + rows + "x" + cols + ", group " + local;
        }
    }

    @AcrossBackends
    void f32InputGradientIsWithinTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, false);
        FloatArray dX = SuiteInputs.poisonedFloats(p.x.length);
        backend.run(SuiteInputs.kernel(RmsNormBackward.class, "backward"), new int[] {p.rows * p.local},
                new int[] {p.local}, FloatArray.fromArray(p.x), FloatArray.fromArray(p.weight),
                FloatArray.fromArray(p.dOut), FloatArray.fromArray(p.inverseRms), dX, p.cols);
        checkInputGradient(in, backend, p, false, dX::get);
    }

    @AcrossBackends
    void bf16InputGradientFollowsTheAutogradChain(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, true);
        BFloat16Array dX = SuiteInputs.poisonedBf16(p.x.length);
        backend.run(SuiteInputs.kernel(RmsNormBackward.class, "backward"), new int[] {p.rows * p.local},
                new int[] {p.local}, BFloat16Array.fromFloats(p.x), BFloat16Array.fromFloats(p.weight),
                BFloat16Array.fromFloats(p.dOut), FloatArray.fromArray(p.inverseRms), dX, p.cols);
        checkInputGradient(in, backend, p, true, dX::getFloat);
    }

    @AcrossBackends
    void f32WeightGradientIsWithinTolerance(SuiteAccelerator backend) {
        checkWeightGradient(backend, false);
    }

    @AcrossBackends
    void bf16WeightGradientIsWithinTolerance(SuiteAccelerator backend) {
        checkWeightGradient(backend, true);
    }

    /** dX and dW of L = sum(dOut * w * x * inv(x)) against central differences, all in double. */
    @Test
    void referenceMathsMatchFiniteDifferences() {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(1, 4);
        int cols = in.between(1, 40);
        double eps = 1e-2; // a larger eps keeps the third derivative, hence the differences' error, small
        double[] x = doubles(in.floats(rows * cols, 3f));
        double[] w = doubles(in.floats(cols, 2f));
        double[] dOut = doubles(in.floats(rows * cols, 1f));
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            g[i] = dOut[i] * w[i % cols];
        }
        double[] dX = RmsNormBackwardReference.inputGradientReference(g, x, inverseRms(x, cols, eps));
        double step = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double[] plus = x.clone();
            double[] minus = x.clone();
            plus[i] += step;
            minus[i] -= step;
            double numeric = (loss(plus, w, dOut, eps) - loss(minus, w, dOut, eps)) / (2 * step);
            assertClose(in, "dX element " + i + " of " + rows + "x" + cols, numeric, dX[i]);
        }
        float[] xf = floats(x);
        float[] invf = floats(inverseRms(x, cols, eps));
        double[] dW = RmsNormBackwardReference.weightGradientReference(xf, floats(dOut), invf, false);
        for (int c = 0; c < cols; c++) {
            double[] plus = w.clone();
            double[] minus = w.clone();
            plus[c] += step;
            minus[c] -= step;
            double numeric = (loss(x, plus, dOut, eps) - loss(x, minus, dOut, eps)) / (2 * step);
            assertClose(in, "dW column " + c + " of " + rows + "x" + cols, numeric, dW[c]);
        }
    }

    /** dX read through {@code actual}, against the reference widened by the stated bound. */
    private static void checkInputGradient(SuiteInputs in, SuiteAccelerator backend, Problem p, boolean bf16,
                                           LongFunction<Float> actual) {
        double[] g = RmsNormBackwardReference.weightedGradientReference(p.dOut, p.weight, bf16);
        double[] x = doubles(p.x);
        double[] inv = doubles(p.inverseRms);
        double[] expected = RmsNormBackwardReference.inputGradientReference(g, x, inv);
        for (int r = 0; r < p.rows; r++) {
            double magnitude = 0;
            for (int c = 0; c < p.cols; c++) {
                magnitude += Math.abs(g[r * p.cols + c] * x[r * p.cols + c]);
            }
            double pathThroughStatistic = inv[r] * inv[r] * inv[r] * magnitude / p.cols;
            for (int c = 0; c < p.cols; c++) {
                int i = r * p.cols + c;
                double bound = TOLERANCE * (inv[r] * Math.abs(g[i]) + Math.abs(x[i]) * pathThroughStatistic);
                assertWithin(in, backend, "dX " + p.describe(i), actual.apply(i), expected[i], bound, bf16);
            }
        }
    }

    /** Partials over random row blocks, then their sum; every partial and dW poisoned first. */
    private static void checkWeightGradient(SuiteAccelerator backend, boolean bf16) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, bf16);
        int rowsPerBlock = in.between(1, p.rows);
        int blocks = (p.rows + rowsPerBlock - 1) / rowsPerBlock;
        int columnsCovered = (p.cols + p.local - 1) / p.local * p.local;
        FloatArray partials = SuiteInputs.poisonedFloats((long) blocks * p.cols);
        int offset = in.between(0, 40); // the gradient's place in a flat buffer of many parameters
        FloatArray dW = SuiteInputs.poisonedFloats(offset + p.cols);
        FloatArray inverseRms = FloatArray.fromArray(p.inverseRms);
        if (bf16) {
            backend.run(SuiteInputs.kernel(RmsNormBackward.class, "weightGradientPartials"),
                    new int[] {columnsCovered, blocks}, new int[] {p.local, 1}, BFloat16Array.fromFloats(p.x),
                    BFloat16Array.fromFloats(p.dOut), inverseRms, partials, p.rows, p.cols, rowsPerBlock);
        } else {
            backend.run(SuiteInputs.kernel(RmsNormBackward.class, "weightGradientPartials"),
                    new int[] {columnsCovered, blocks}, new int[] {p.local, 1}, FloatArray.fromArray(p.x),
                    FloatArray.fromArray(p.dOut), inverseRms, partials, p.rows, p.cols, rowsPerBlock);
        }
        backend.run(SuiteInputs.kernel(RmsNormBackward.class, "sumPartials"), in.strideGrid(p.cols, p.local),
                new int[] {p.local}, partials, dW, (long) offset, blocks, p.cols, 0);
        double[] expected = RmsNormBackwardReference.weightGradientReference(p.x, p.dOut, p.inverseRms, bf16);
        double[] magnitude = RmsNormBackwardReference.weightGradientReference(absolute(p.x), absolute(p.dOut),
                p.inverseRms, bf16);
        for (int c = 0; c < p.cols; c++) {
            String where = "dW column " + c + " of " + p.rows + "x" + p.cols + ", " + rowsPerBlock + " rows per block";
            assertWithin(in, backend, where, dW.get(offset + c), expected[c], TOLERANCE * magnitude[c], false);
        }
        // accumulate = 1 adds the same sums again (as a trainer does over an accumulation window)
        backend.run(SuiteInputs.kernel(RmsNormBackward.class, "sumPartials"), in.strideGrid(p.cols, p.local),
                new int[] {p.local}, partials, dW, (long) offset, blocks, p.cols, 1);
        for (int c = 0; c < p.cols; c++) {
            assertWithin(in, backend, "accumulated dW column " + c, dW.get(offset + c), 2 * expected[c],
                    2 * TOLERANCE * magnitude[c], false);
        }
    }

    /**
     * actual within bound of expected; for bf16 results, between the bf16 roundings of expected -/+ bound
     * (rounding is monotone, so an f32 value within the bound rounds into that range).
     */
    private static void assertWithin(SuiteInputs in, SuiteAccelerator backend, String where, float actual,
                                     double expected, double bound, boolean bf16) {
        double low = expected - bound;
        double high = expected + bound;
        if (bf16) {
            low = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16((float) low));
            high = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16((float) high));
        }
        assertTrue(actual >= low && actual <= high, in.at(backend, where + ": " + actual + " outside [" + low + ", "
                + high + "], reference " + expected));
    }

    private static void assertClose(SuiteInputs in, String where, double numeric, double analytic) {
        assertTrue(Math.abs(numeric - analytic) <= 1e-6 * (1 + Math.abs(numeric)),
                "seed " + in.seed + ": " + where + ": finite difference " + numeric + ", reference " + analytic);
    }

    /** sum(dOut * w * x * inv(x)): the forward's output weighted by dOut, whose gradients dX and dW are. */
    private static double loss(double[] x, double[] w, double[] dOut, double eps) {
        int cols = w.length;
        double[] inv = inverseRms(x, cols, eps);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += dOut[i] * w[i % cols] * x[i] * inv[i / cols];
        }
        return sum;
    }

    private static double[] inverseRms(double[] x, int cols, double eps) {
        double[] inv = new double[x.length / cols];
        for (int r = 0; r < inv.length; r++) {
            double squares = 0;
            for (int c = 0; c < cols; c++) {
                squares += x[r * cols + c] * x[r * cols + c];
            }
            inv[r] = 1 / Math.sqrt(squares / cols + eps);
        }
        return inv;
    }

    private static float[] values(SuiteInputs in, int n, float scale, boolean bf16) {
        if (!bf16) {
            return in.floats(n, scale);
        }
        short[] bits = in.bf16(n, scale);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = TornadoMath.bfloat16ToFloat(bits[i]);
        }
        return values;
    }

    private static float[] absolute(float[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Math.abs(values[i]);
        }
        return result;
    }

    private static double[] doubles(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    private static float[] floats(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }
}
