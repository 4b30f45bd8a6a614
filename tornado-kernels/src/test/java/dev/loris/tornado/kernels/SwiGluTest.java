package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;


import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SwiGLU forward in f32 and in HF's bf16 rounding, against silu computed in double (tolerances in SwiGlu).
 * forwardBf16Reference is the chain at the exact silu; the test widens it to the stated silu tolerance.
 */
class SwiGluTest {
    /** Gates span the whole curve of silu: its negative dip, the linear part, and exp's under- and overflow. */
    private static final float GATE_SCALE = 30f;
    private static final float RELATIVE_TOLERANCE = 2e-6f;

    @AcrossBackends
    void f32IsWithinTwoMillionthsRelative(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float[] gate = in.floats(n, GATE_SCALE);
        float[] up = in.floats(n, 4f);
        FloatArray out = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(SwiGlu.class, "forward"), in.strideGrid(n, 256), new int[] {256},
                FloatArray.fromArray(gate), FloatArray.fromArray(up), out, (long) n);
        float[] expected = SwiGluReference.forwardReference(gate, up);
        for (int i = 0; i < n; i++) {
            float actual = out.get(i);
            assertTrue(Math.abs(actual - expected[i]) <= RELATIVE_TOLERANCE * Math.abs(expected[i]),
                    in.at(backend, "element " + i + ": silu(" + gate[i] + ") * " + up[i] + " = " + actual
                            + ", expected " + expected[i]));
        }
    }

    @AcrossBackends
    void bf16FollowsTheHuggingFaceRoundingChain(SuiteAccelerator backend) {
        checkBf16(backend, false);
    }

    @AcrossBackends
    void bf16PackedFollowsTheHuggingFaceRoundingChain(SuiteAccelerator backend) {
        checkBf16(backend, true);
    }

    /** The packed kernel gets LongArray views of the same bf16 memory, four values per long. */
    private static void checkBf16(SuiteAccelerator backend, boolean packed) {
        SuiteInputs in = new SuiteInputs();
        int n = packed ? 4 * in.between(1, 10_000) : in.between(1, 40_000);
        short[] gate = in.bf16(n, GATE_SCALE);
        short[] up = in.bf16(n, 4f);
        BFloat16Array out = SuiteInputs.poisonedBf16(n);
        BFloat16Array g = BFloat16Array.fromArray(gate);
        BFloat16Array upArray = BFloat16Array.fromArray(up);
        if (packed) {
            backend.run(SuiteInputs.kernel(SwiGlu.class, "forwardBf16Packed"), in.strideGrid(n / 4, 256),
                    new int[] {256}, LongArray.wrap(g.getSegment()), LongArray.wrap(upArray.getSegment()),
                    LongArray.wrap(out.getSegment()), (long) n / 4);
        } else {
            backend.run(SuiteInputs.kernel(SwiGlu.class, "forward"), in.strideGrid(n, 256),
                    new int[] {256}, g, upArray, out, (long) n);
        }
        short[] expected = SwiGluReference.forwardBf16Reference(gate, up);
        for (int i = 0; i < n; i++) {
            float silu = SwiGluReference.siluReference(TornadoMath.bfloat16ToFloat(gate[i]));
            float u = TornadoMath.bfloat16ToFloat(up[i]);
            float low = TornadoMath.bfloat16ToFloat(SwiGluReference.bf16Chain(silu * (1 - RELATIVE_TOLERANCE), u));
            float high = TornadoMath.bfloat16ToFloat(SwiGluReference.bf16Chain(silu * (1 + RELATIVE_TOLERANCE), u));
            float actual = out.getFloat(i);
            assertTrue(actual >= Math.min(low, high) && actual <= Math.max(low, high), in.at(backend, "element " + i
                    + ": gate " + TornadoMath.bfloat16ToFloat(gate[i]) + ", up " + u + " gave " + actual + ", outside ["
                    + low + ", " + high + "] (reference " + TornadoMath.bfloat16ToFloat(expected[i]) + ")"));
        }
    }
}
