package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SwiGLU backward against silu and silu' in double, widened by the tolerances stated in SwiGluBackward; bf16
 * results must be the autograd rounding chain for some silu and silu' within them (each step is monotone, so
 * the chain at the ends of the range bounds it). silu' itself is checked against finite differences.
 */
class SwiGluBackwardTest {
    /** Gates span silu's dip, its linear part, and exp's under- and overflow, as in SwiGluTest. */
    private static final float GATE_SCALE = 30f;
    private static final double SILU_TOLERANCE = 2e-6;
    private static final double F32_ROUNDING = 0x1p-23;

    @AcrossBackends
    void f32GradientsAreWithinTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float[] gate = in.floats(n, GATE_SCALE);
        float[] up = in.floats(n, 4f);
        float[] dOut = in.floats(n, 2f);
        FloatArray dGate = SuiteInputs.poisonedFloats(n);
        FloatArray dUp = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(SwiGluBackward.class, "backward"), in.strideGrid(n, 256), new int[] {256},
                FloatArray.fromArray(gate), FloatArray.fromArray(up), FloatArray.fromArray(dOut), dGate, dUp, (long) n);
        for (int i = 0; i < n; i++) {
            double g = gate[i];
            double expectedUp = dOut[i] * (g / (1 + Math.exp(-g)));
            double upBound = (SILU_TOLERANCE + F32_ROUNDING) * Math.abs(expectedUp);
            assertWithin(in, backend, describe(i, gate, up, dOut) + ", dUp", dUp.get(i), expectedUp - upBound,
                    expectedUp + upBound);
            double gradSilu = (double) dOut[i] * up[i];
            double expectedGate = gradSilu * SwiGluBackwardReference.siluDerivativeReference(g);
            double gateBound = Math.abs(gradSilu) * derivativeTolerance(g) + F32_ROUNDING * Math.abs(expectedGate);
            assertWithin(in, backend, describe(i, gate, up, dOut) + ", dGate", dGate.get(i), expectedGate - gateBound,
                    expectedGate + gateBound);
        }
    }

    @AcrossBackends
    void bf16FollowsTheAutogradRoundingChain(SuiteAccelerator backend) {
        checkBf16(backend, false);
    }

    @AcrossBackends
    void bf16PackedFollowsTheAutogradRoundingChain(SuiteAccelerator backend) {
        checkBf16(backend, true);
    }

    /** silu'(g) against central differences of silu, in double, across the gates the kernels see and more. */
    @Test
    void siluDerivativeMatchesFiniteDifferences() {
        SuiteInputs in = new SuiteInputs();
        double step = 1e-5;
        for (float g : in.floats(1000, 2 * GATE_SCALE)) {
            double numeric = (silu(g + step) - silu(g - step)) / (2 * step);
            double analytic = SwiGluBackwardReference.siluDerivativeReference(g);
            assertTrue(Math.abs(numeric - analytic) <= 1e-8, "seed " + in.seed + ": silu'(" + g + ") = " + analytic
                    + ", finite difference " + numeric);
        }
    }

    /** The packed kernel gets LongArray views of the same bf16 memory, four values per long. */
    private static void checkBf16(SuiteAccelerator backend, boolean packed) {
        SuiteInputs in = new SuiteInputs();
        int n = packed ? 4 * in.between(1, 10_000) : in.between(1, 40_000);
        short[] gate = in.bf16(n, GATE_SCALE);
        short[] up = in.bf16(n, 4f);
        short[] dOut = in.bf16(n, 2f);
        BFloat16Array dGate = SuiteInputs.poisonedBf16(n);
        BFloat16Array dUp = SuiteInputs.poisonedBf16(n);
        Object[] arrays = {BFloat16Array.fromArray(gate), BFloat16Array.fromArray(up), BFloat16Array.fromArray(dOut),
                dGate, dUp};
        if (packed) {
            for (int a = 0; a < arrays.length; a++) {
                arrays[a] = LongArray.wrap(((BFloat16Array) arrays[a]).getSegment());
            }
        }
        long length = packed ? n / 4 : n;
        backend.run(SuiteInputs.kernel(SwiGluBackward.class, packed ? "backwardBf16Packed" : "backward"),
                in.strideGrid(length, 256), new int[] {256}, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4],
                length);
        float[] g = SuiteInputs.widen(gate);
        float[] u = SuiteInputs.widen(up);
        float[] dy = SuiteInputs.widen(dOut);
        for (int i = 0; i < n; i++) {
            double silu = silu(g[i]);
            assertWithin(in, backend, describe(i, g, u, dy) + ", dUp", dUp.getFloat(i),
                    upChain(silu * (1 - SILU_TOLERANCE), dy[i]), upChain(silu * (1 + SILU_TOLERANCE), dy[i]));
            float gradSilu = roundToBf16(dy[i] * u[i]);
            double center = gradSilu * SwiGluBackwardReference.siluDerivativeReference(g[i]);
            double bound = Math.abs(gradSilu) * derivativeTolerance(g[i]);
            assertWithin(in, backend, describe(i, g, u, dy) + ", dGate", dGate.getFloat(i),
                    roundToBf16((float) (center - bound)), roundToBf16((float) (center + bound)));
        }
    }

    /** The stated bound on the kernels' f32 silu'(g): 2e-6 * s * (1 + |g|). */
    private static double derivativeTolerance(double g) {
        return 2e-6 / (1 + Math.exp(-g)) * (1 + Math.abs(g));
    }

    /** dUp's bf16 chain from a given silu: bf16(dOut * bf16(silu)). */
    private static float upChain(double silu, float dy) {
        return roundToBf16(dy * roundToBf16((float) silu));
    }

    private static double silu(double g) {
        return g / (1 + Math.exp(-g));
    }

    private static float roundToBf16(float value) {
        return TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(value));
    }

    /** actual within [a, b] or [b, a]. */
    private static void assertWithin(SuiteInputs in, SuiteAccelerator backend, String where, float actual, double a,
                                     double b) {
        assertTrue(actual >= Math.min(a, b) && actual <= Math.max(a, b),
                in.at(backend, where + " = " + actual + ", outside [" + Math.min(a, b) + ", " + Math.max(a, b) + "]"));
    }

    private static String describe(int i, float[] gate, float[] up, float[] dOut) {
        return "element " + i + " (gate " + gate[i] + ", up " + up[i] + ", dOut " + dOut[i] + ")";
    }
}
