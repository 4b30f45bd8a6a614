package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TornadoMath.exp2Approx, the softmax exponential of the FlashAttention kernels, on every backend: within
 * 2^-20 relative of 2^x (double) for x whose result is a normal float (ex2.approx's error is about 2^-22,
 * OpenCL's exp2 3 ulp), +0 for -inf (a masked score) and for results below the normal range (PTX flushes),
 * +inf above it; outputs poisoned. The PTX is one ex2.approx.ftz.f32.
 */
class Exp2ApproxTest {
    static void exp2(KernelContext ctx, FloatArray x, FloatArray out) {
        out.set(ctx.globalIdx, TornadoMath.exp2Approx(x.get(ctx.globalIdx)));
    }

    @AcrossBackends
    void withinTwoToTheMinus20OfTheExactPower(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = 4096;
        float[] values = in.floats(n, 125f);
        values[0] = Float.NEGATIVE_INFINITY;
        values[1] = 0f;
        values[2] = -127.5f;
        values[3] = 128.5f;
        FloatArray x = FloatArray.fromArray(values);
        FloatArray out = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(Exp2ApproxTest.class, "exp2"), new int[] {n}, new int[] {64}, x, out);
        assertEquals(0f, out.get(0), in.at(backend, "2^-inf"));
        assertEquals(1f, out.get(1), in.at(backend, "2^0"));
        assertTrue(out.get(2) >= 0f && out.get(2) <= 0x1p-127f, in.at(backend, "2^-127.5: " + out.get(2)));
        assertEquals(Float.POSITIVE_INFINITY, out.get(3), in.at(backend, "2^128.5"));
        for (int i = 4; i < n; i++) {
            double exact = Math.pow(2, values[i]);
            double error = Math.abs(out.get(i) - exact) / exact;
            int at = i;
            assertTrue(error <= 0x1p-20, () -> in.at(backend, "2^" + values[at] + ": " + out.get(at) + ", expected "
                    + exact));
        }
    }

    @Test
    void isOneEx2ApproxOnPtx() {
        String ptx = PtxEmitter.emit(KernelCompiler.devicePtxGraph(SuiteInputs.kernel(Exp2ApproxTest.class, "exp2"),
                Map.of()), new PtxEmitter.Options("sm_80", false));
        assertTrue(ptx.contains("ex2.approx.ftz.f32"), ptx);
    }
}
