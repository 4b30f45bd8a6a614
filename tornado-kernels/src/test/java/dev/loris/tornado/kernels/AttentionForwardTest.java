package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.util.function.IntToDoubleFunction;

/**
 * AttentionForward against the double-precision reference on random packed problems (AttentionProblem):
 * outputs within 1e-5 of their magnitudes (plus half a bf16 ulp in bf16), log-sum-exp within 1e-5 * (1 +
 * |lse|). Outputs are poisoned first, so rows a kernel skips fail.
 */
class AttentionForwardTest {
    @AcrossBackends
    void f32HeadDim64(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 64, false);
    }

    @AcrossBackends
    void f32HeadDim128(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 128, false);
    }

    @AcrossBackends
    void f32OtherHeadDim(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, AttentionProblem.OTHER_HEAD_DIMS[in.random.nextInt(AttentionProblem.OTHER_HEAD_DIMS.length)],
                false);
    }

    @AcrossBackends
    void bf16HeadDim64(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 64, true);
    }

    @AcrossBackends
    void bf16HeadDim128(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 128, true);
    }

    @AcrossBackends
    void bf16OtherHeadDim(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, AttentionProblem.OTHER_HEAD_DIMS[in.random.nextInt(AttentionProblem.OTHER_HEAD_DIMS.length)],
                true);
    }

    @AcrossBackends
    void f32SlidingWindowAndSoftCap(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, AttentionProblem.draw(in, in.random.nextBoolean() ? 64 : 40, false).withWindowAndSoftCap(in));
    }

    @AcrossBackends
    void bf16SlidingWindowAndSoftCap(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, AttentionProblem.draw(in, in.random.nextBoolean() ? 128 : 72, true).withWindowAndSoftCap(in));
    }

    private static void check(SuiteAccelerator backend, SuiteInputs in, int headDim, boolean bf16) {
        check(backend, in, AttentionProblem.draw(in, headDim, bf16));
    }

    private static void check(SuiteAccelerator backend, SuiteInputs in, AttentionProblem p) {
        boolean bf16 = p.bf16();
        AttentionShape s = p.shape();
        FloatArray logSumExp = SuiteInputs.poisonedFloats((long) s.tokens() * s.heads());
        int[] global = {s.forwardGroups() * p.local()};
        int[] local = {p.local()};
        Object[] sizes = p.sizes();
        IntToDoubleFunction actual;
        if (bf16) {
            BFloat16Array out = SuiteInputs.poisonedBf16(p.q().length);
            backend.run(SuiteInputs.kernel(AttentionForward.class, "forward"), global, local,
                    concat(new Object[] {BFloat16Array.fromFloats(p.q()), BFloat16Array.fromFloats(p.k()),
                            BFloat16Array.fromFloats(p.v()), p.sequenceStarts(), out, logSumExp}, sizes));
            actual = out::getFloat;
        } else {
            FloatArray out = SuiteInputs.poisonedFloats(p.q().length);
            backend.run(SuiteInputs.kernel(AttentionForward.class, "forward"), global, local,
                    concat(new Object[] {FloatArray.fromArray(p.q()), FloatArray.fromArray(p.k()),
                            FloatArray.fromArray(p.v()), p.sequenceStarts(), out, logSumExp}, sizes));
            actual = out::get;
        }
        AttentionReference.Forward exact = p.referenceForward();
        p.assertClose(in, backend, "output", s.heads(), actual, exact.out(), exact.outMagnitude());
        p.assertLogSumExp(in, backend, logSumExp::get, exact.logSumExp());
    }

    static Object[] concat(Object[] arrays, Object[] scalars) {
        Object[] all = new Object[arrays.length + scalars.length];
        System.arraycopy(arrays, 0, all, 0, arrays.length);
        System.arraycopy(scalars, 0, all, arrays.length, scalars.length);
        return all;
    }
}
