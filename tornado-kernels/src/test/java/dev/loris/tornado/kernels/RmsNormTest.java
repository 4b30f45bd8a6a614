package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;

import java.lang.reflect.Method;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RMSNorm forward against Hugging Face's rounding (see RmsNorm): the statistic within 4e-6 relative of the
 * exact inverse RMS, every output exactly the HF rounding chain for some inverse RMS in that range (the chain
 * is monotone in it, so the output must lie between the chain at the range's two ends).
 */
class RmsNormTest {
    private static final double STATISTIC_TOLERANCE = 4e-6;

    /** A random problem: rows, cols, the group size, eps, and inputs. */
    private record Problem(int rows, int cols, int local, float eps, float[] x, float[] weight) {
        static Problem draw(SuiteInputs in) {
            int rows = in.between(10, 60);
            int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 4096);
            int local = 1 << in.between(5, 8);
            float eps = in.random.nextBoolean() ? 1e-5f : 1e-6f;
            return new Problem(rows, cols, local, eps, SuiteInputs.widen(in.bf16(rows * cols, 3f)), SuiteInputs.widen(in.bf16(cols, 2f)));
        }

        String describe(int i) {
            return "row " + i / cols + " column " + i % cols + " of " + rows + "x" + cols + ", group " + local;
        }
    }

    @AcrossBackends
    void bf16ByTreeFollowsTheHuggingFaceChain(SuiteAccelerator backend) {
        checkBf16(backend, SuiteInputs.kernel(RmsNorm.class, "forward"), p -> true);
    }

    /**
     * Rows of at most 16 values per work-item: the packed kernel keeps them in its four registers. More than
     * 12 per work-item, so every register is used by some work-items and left empty by others.
     */
    @AcrossBackends
    void bf16PackedRowsInRegistersFollowTheHuggingFaceChain(SuiteAccelerator backend) {
        checkBf16(backend, SuiteInputs.kernel(RmsNorm.class, "forwardBf16Packed"),
                p -> p.cols % 4 == 0 && p.cols > 12 * p.local && p.cols <= 16 * p.local);
    }

    /** Longer rows: the packed kernel streams them twice. */
    @AcrossBackends
    void bf16PackedLongRowsFollowTheHuggingFaceChain(SuiteAccelerator backend) {
        checkBf16(backend, SuiteInputs.kernel(RmsNorm.class, "forwardBf16Packed"),
                p -> p.cols % 4 == 0 && p.cols > 16 * p.local);
    }

    @AcrossBackends
    void f32FollowsTheHuggingFaceOrder(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        FloatArray out = SuiteInputs.poisonedFloats(p.x.length);
        FloatArray inverseRms = SuiteInputs.poisonedFloats(p.rows);
        backend.run(SuiteInputs.kernel(RmsNorm.class, "forward"), new int[] {p.rows * p.local},
                new int[] {p.local}, FloatArray.fromArray(p.x), FloatArray.fromArray(p.weight), out, inverseRms,
                p.cols, p.eps);
        float[] exact = checkStatistic(in, backend, p, inverseRms);
        float[] low = RmsNormReference.forwardReference(p.x, p.weight, scaled(exact, 1 - STATISTIC_TOLERANCE));
        float[] high = RmsNormReference.forwardReference(p.x, p.weight, scaled(exact, 1 + STATISTIC_TOLERANCE));
        for (int i = 0; i < p.x.length; i++) {
            assertBetween(in, backend, p.describe(i), out.get(i), low[i], high[i]);
        }
    }

    /**
     * A random problem that {@code accept}s, through {@code kernel}. The packed kernel gets LongArray views of
     * the same bf16 memory and needs cols divisible by 4.
     */
    private static void checkBf16(SuiteAccelerator backend, Method kernel, Predicate<Problem> accept) {
        SuiteInputs in = new SuiteInputs();
        boolean packed = kernel.getName().endsWith("Packed");
        Problem p = Problem.draw(in);
        while (!accept.test(p)) {
            p = Problem.draw(in);
        }
        BFloat16Array out = SuiteInputs.poisonedBf16(p.x.length);
        FloatArray inverseRms = SuiteInputs.poisonedFloats(p.rows);
        BFloat16Array x = BFloat16Array.fromFloats(p.x);
        BFloat16Array weight = BFloat16Array.fromFloats(p.weight);
        backend.run(kernel, new int[] {p.rows * p.local}, new int[] {p.local},
                packed ? LongArray.wrap(x.getSegment()) : x, packed ? LongArray.wrap(weight.getSegment()) : weight,
                packed ? LongArray.wrap(out.getSegment()) : out, inverseRms, p.cols, p.eps);
        float[] exact = checkStatistic(in, backend, p, inverseRms);
        short[] low = RmsNormReference.forwardBf16Reference(p.x, p.weight, scaled(exact, 1 - STATISTIC_TOLERANCE));
        short[] high = RmsNormReference.forwardBf16Reference(p.x, p.weight, scaled(exact, 1 + STATISTIC_TOLERANCE));
        for (int i = 0; i < p.x.length; i++) {
            assertBetween(in, backend, p.describe(i), out.getFloat(i), TornadoMath.bfloat16ToFloat(low[i]),
                    TornadoMath.bfloat16ToFloat(high[i]));
        }
    }

    /** Checks the stored inverse RMS of every row; returns the exact ones. */
    private static float[] checkStatistic(SuiteInputs in, SuiteAccelerator backend, Problem p, FloatArray inverseRms) {
        float[] exact = RmsNormReference.inverseRmsReference(p.x, p.cols, p.eps);
        for (int r = 0; r < p.rows; r++) {
            assertEquals(exact[r], inverseRms.get(r), STATISTIC_TOLERANCE * exact[r],
                    in.at(backend, "inverse RMS of row " + r + " of " + p.rows + "x" + p.cols + ", group " + p.local));
        }
        return exact;
    }

    private static void assertBetween(SuiteInputs in, SuiteAccelerator backend, String where, float actual, float a,
                                      float b) {
        assertTrue(actual >= Math.min(a, b) && actual <= Math.max(a, b),
                in.at(backend, where + ": " + actual + " outside [" + Math.min(a, b) + ", " + Math.max(a, b) + "]"));
    }

    private static float[] scaled(float[] values, double factor) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) (values[i] * factor);
        }
        return result;
    }
}
