package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.reflect.Method;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AttentionBackward's three kernels in order (row dots, dK/dV, dQ) against the double-precision reference
 * backward on random packed problems (AttentionProblem). The forward's out and log-sum-exp come from the
 * reference forward, rounded as the kernels store them (out to f32 or bf16, lse to f32), and both sides
 * compute from those. Tolerances: delta within 1e-5 of sum |dOut * out|; gradients within 1e-5 of their
 * magnitudes plus, in bf16, half a bf16 ulp. Outputs are poisoned first.
 */
class AttentionBackwardTest {
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
        AttentionReference.Forward forward = p.referenceForward();
        float[] out = p.stored(forward.out());
        float[] logSumExp = AttentionProblem.toFloats(forward.logSumExp());
        TornadoNativeArray q = array(p.q(), bf16);
        TornadoNativeArray k = array(p.k(), bf16);
        TornadoNativeArray v = array(p.v(), bf16);
        TornadoNativeArray dOut = array(p.dOut(), bf16);
        TornadoNativeArray dQ = poisoned(p.q().length, bf16);
        TornadoNativeArray dK = poisoned(p.k().length, bf16);
        TornadoNativeArray dV = poisoned(p.k().length, bf16);
        FloatArray delta = SuiteInputs.poisonedFloats((long) s.tokens() * s.heads());
        FloatArray lse = FloatArray.fromArray(logSumExp);
        Object[] sizes = p.sizes();
        run(backend, p, "rowDots", s.rowDotGroups(p.local()), array(out, bf16), dOut, delta, s.rows(), s.headDim());
        checkDeltas(in, backend, p, out, delta);
        run(backend, p, "keyValueGradients", s.keyValueGroups(), AttentionForwardTest.concat(
                new Object[] {q, k, v, dOut, lse, delta, p.sequenceStarts(), dK, dV}, sizes));
        run(backend, p, "queryGradients", s.queryGroups(), AttentionForwardTest.concat(
                new Object[] {q, k, v, dOut, lse, delta, p.sequenceStarts(), dQ}, sizes));
        AttentionReference.Gradients exact = AttentionReference.backward(s, p.sequenceStart(),
                AttentionProblem.toDoubles(p.q()), AttentionProblem.toDoubles(p.k()), AttentionProblem.toDoubles(p.v()),
                AttentionProblem.toDoubles(out), AttentionProblem.toDoubles(p.dOut()),
                AttentionProblem.toDoubles(logSumExp), p.scale(), p.window(), p.softCap());
        p.assertClose(in, backend, "dQ", s.heads(), elements(dQ), exact.dq(), exact.dqMagnitude());
        p.assertClose(in, backend, "dK", s.kvHeads(), elements(dK), exact.dk(), exact.dkMagnitude());
        p.assertClose(in, backend, "dV", s.kvHeads(), elements(dV), exact.dv(), exact.dvMagnitude());
    }

    /** Each delta within 1e-5 of sum |dOut * out| of the double-precision row dot. */
    private static void checkDeltas(SuiteInputs in, SuiteAccelerator backend, AttentionProblem p, float[] out,
                                    FloatArray delta) {
        int dim = p.shape().headDim();
        for (int row = 0; row < delta.getSize(); row++) {
            double exact = 0;
            double magnitude = 0;
            for (int d = row * dim; d < (row + 1) * dim; d++) {
                exact += (double) out[d] * p.dOut()[d];
                magnitude += Math.abs((double) out[d] * p.dOut()[d]);
            }
            double actual = delta.get(row);
            double expected = exact;
            int at = row;
            assertTrue(Math.abs(actual - exact) <= AttentionProblem.F32_TOLERANCE * magnitude, () -> in.at(backend,
                    "delta of token " + at / p.shape().heads() + " head " + at % p.shape().heads() + ": " + actual
                            + ", expected " + expected + " (" + p.describe() + ")"));
        }
    }

    private static void run(SuiteAccelerator backend, AttentionProblem p, String name, int groups, Object... args) {
        Method kernel = SuiteInputs.kernel(AttentionBackward.class, name);
        backend.run(kernel, new int[] {groups * p.local()}, new int[] {p.local()}, args);
    }

    private static TornadoNativeArray array(float[] values, boolean bf16) {
        return bf16 ? BFloat16Array.fromFloats(values) : FloatArray.fromArray(values);
    }

    private static TornadoNativeArray poisoned(int n, boolean bf16) {
        return bf16 ? SuiteInputs.poisonedBf16(n) : SuiteInputs.poisonedFloats(n);
    }

    private static IntToDoubleFunction elements(TornadoNativeArray array) {
        return array instanceof BFloat16Array bf16 ? bf16::getFloat : ((FloatArray) array)::get;
    }
}
