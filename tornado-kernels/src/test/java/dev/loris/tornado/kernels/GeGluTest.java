package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GeGLU forward and backward (Gemma's MLP) in f32 and in HF's bf16 rounding chain, against gelu and gelu'
 * computed in double from fresh random inputs, outputs poisoned first (tolerances: GeGlu, GeGluBackward). The
 * bf16 results must be the chain's for some gelu (gelu') within the stated tolerance: the chains are monotone in it.
 */
class GeGluTest {
    /** Gates over GELU's whole curve: its negative dip, the cancelling tail and tanh's saturation (|g| above ~4.5). */
    private static final float GATE_SCALE = 8f;

    @AcrossBackends
    void forwardF32IsWithinTheStatedTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float[] gate = in.floats(n, GATE_SCALE);
        float[] up = in.floats(n, 4f);
        FloatArray out = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(GeGlu.class, "forward"), in.strideGrid(n, 256), new int[] {256},
                FloatArray.fromArray(gate), FloatArray.fromArray(up), out, (long) n);
        for (int i = 0; i < n; i++) {
            float expected = GeGluReference.geluReference(gate[i]) * up[i];
            float bound = GeGluReference.tolerance(gate[i]) * Math.abs(up[i]) + Math.ulp(expected);
            assertTrue(Math.abs(out.get(i) - expected) <= bound, in.at(backend, "element " + i + ": gelu(" + gate[i]
                    + ") * " + up[i] + " = " + out.get(i) + ", expected " + expected + " within " + bound));
        }
    }

    @AcrossBackends
    void forwardBf16FollowsTheHuggingFaceRoundingChain(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        short[] gate = in.bf16(n, GATE_SCALE);
        short[] up = in.bf16(n, 4f);
        BFloat16Array out = SuiteInputs.poisonedBf16(n);
        backend.run(SuiteInputs.kernel(GeGlu.class, "forward"), in.strideGrid(n, 256), new int[] {256},
                BFloat16Array.fromArray(gate), BFloat16Array.fromArray(up), out, (long) n);
        for (int i = 0; i < n; i++) {
            float g = TornadoMath.bfloat16ToFloat(gate[i]);
            float u = TornadoMath.bfloat16ToFloat(up[i]);
            float gelu = GeGluReference.geluReference(g);
            float tolerance = GeGluReference.tolerance(g);
            assertWithin(out.getFloat(i), SwiGluReference.bf16Chain(gelu - tolerance, u),
                    SwiGluReference.bf16Chain(gelu + tolerance, u),
                    in.at(backend, "element " + i + ": gate " + g + ", up " + u));
        }
    }

    @AcrossBackends
    void backwardF32IsWithinTheStatedTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float[] gate = in.floats(n, GATE_SCALE);
        float[] up = in.floats(n, 4f);
        float[] dOut = in.floats(n, 2f);
        FloatArray dGate = SuiteInputs.poisonedFloats(n);
        FloatArray dUp = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(GeGluBackward.class, "backward"), in.strideGrid(n, 256), new int[] {256},
                FloatArray.fromArray(gate), FloatArray.fromArray(up), FloatArray.fromArray(dOut), dGate, dUp, (long) n);
        for (int i = 0; i < n; i++) {
            float expectedUp = dOut[i] * GeGluReference.geluReference(gate[i]);
            float upBound = GeGluReference.tolerance(gate[i]) * Math.abs(dOut[i]) + Math.ulp(expectedUp);
            assertTrue(Math.abs(dUp.get(i) - expectedUp) <= upBound, in.at(backend, "dUp " + i + ": " + dUp.get(i)
                    + ", expected " + expectedUp));
            float expectedGate = dOut[i] * up[i] * GeGluBackwardReference.derivativeReference(gate[i]);
            float gateBound = GeGluBackwardReference.derivativeTolerance(gate[i]) * Math.abs(dOut[i] * up[i])
                    + 2 * Math.ulp(expectedGate);
            assertTrue(Math.abs(dGate.get(i) - expectedGate) <= gateBound, in.at(backend, "dGate " + i + " at gate "
                    + gate[i] + ": " + dGate.get(i) + ", expected " + expectedGate + " within " + gateBound));
        }
    }

    @AcrossBackends
    void backwardBf16FollowsAutogradsRoundingChain(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        short[] gate = in.bf16(n, GATE_SCALE);
        short[] up = in.bf16(n, 4f);
        short[] dOut = in.bf16(n, 2f);
        BFloat16Array dGate = SuiteInputs.poisonedBf16(n);
        BFloat16Array dUp = SuiteInputs.poisonedBf16(n);
        backend.run(SuiteInputs.kernel(GeGluBackward.class, "backward"), in.strideGrid(n, 256), new int[] {256},
                BFloat16Array.fromArray(gate), BFloat16Array.fromArray(up), BFloat16Array.fromArray(dOut), dGate, dUp,
                (long) n);
        for (int i = 0; i < n; i++) {
            float g = TornadoMath.bfloat16ToFloat(gate[i]);
            float dy = TornadoMath.bfloat16ToFloat(dOut[i]);
            float gelu = GeGluReference.geluReference(g);
            float tolerance = GeGluReference.tolerance(g);
            assertWithin(dUp.getFloat(i), SwiGluReference.bf16Chain(gelu - tolerance, dy),
                    SwiGluReference.bf16Chain(gelu + tolerance, dy),
                    in.at(backend, "dUp " + i + ": gate " + g + ", dOut " + dy));
            float gradGelu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(
                    dy * TornadoMath.bfloat16ToFloat(up[i])));
            float derivative = GeGluBackwardReference.derivativeReference(g);
            float derivativeTolerance = GeGluBackwardReference.derivativeTolerance(g);
            assertWithin(dGate.getFloat(i), TornadoMath.floatToBfloat16(gradGelu * (derivative - derivativeTolerance)),
                    TornadoMath.floatToBfloat16(gradGelu * (derivative + derivativeTolerance)),
                    in.at(backend, "dGate " + i + ": gate " + g + ", gradGelu " + gradGelu));
        }
    }

    private static void assertWithin(float actual, short lowBits, short highBits, String where) {
        float low = TornadoMath.bfloat16ToFloat(lowBits);
        float high = TornadoMath.bfloat16ToFloat(highBits);
        assertTrue(actual >= Math.min(low, high) && actual <= Math.max(low, high),
                where + " gave " + actual + ", outside [" + low + ", " + high + "]");
    }
}
