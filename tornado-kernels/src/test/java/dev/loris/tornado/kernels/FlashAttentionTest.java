package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core attention forward against the double-precision reference on random packed problems
 * (AttentionProblem, bf16), head_dim 64 and 128 and another multiple of 16: outputs within 2^-8 of the sum of
 * |p v| (P is rounded to bf16 for the tensor-core P V, as FlashAttention-2 does) plus the bf16 half ulp;
 * log-sum-exp within 1e-5 (1 + |lse|). On the JVM and CUDA; PoCL compiles warp exchanges through local
 * memory with a barrier pair each, far too many for this kernel (see TensorCoreGemmTest).
 */
class FlashAttentionTest {
    private static final double P_ROUNDING = 0x1p-8;

    @AcrossBackends
    void headDim64(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 64, false);
    }

    @AcrossBackends
    void headDim128(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 128, false);
    }

    @AcrossBackends
    void headDim32Or96(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, in.random.nextBoolean() ? 32 : 96, false);
    }

    /** Gemma's options: a sliding window shorter than most sequences and/or a soft-cap. */
    @AcrossBackends
    void slidingWindowAndSoftCap(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, in.random.nextBoolean() ? 64 : 128, true);
    }

    @Test
    void supportsMultiplesOf16UpTo128() {
        assertTrue(FlashAttention.supports(64) && FlashAttention.supports(128) && FlashAttention.supports(16));
        assertFalse(FlashAttention.supports(80 + 8) || FlashAttention.supports(256) || FlashAttention.supports(40));
    }

    private static void check(SuiteAccelerator backend, SuiteInputs in, int headDim, boolean gemmaOptions) {
        Assumptions.assumeTrue(backend.backend() != dev.loris.tornado.runtime.Accelerator.Backend.OPENCL,
                "FlashAttention is not compiled for OpenCL in tests (see the class comment)");
        AttentionProblem drawn = AttentionProblem.draw(in, headDim, true);
        AttentionProblem p = gemmaOptions ? drawn.withWindowAndSoftCap(in) : drawn;
        AttentionShape s = p.shape();
        FloatArray logSumExp = SuiteInputs.poisonedFloats((long) s.tokens() * s.heads());
        BFloat16Array out = SuiteInputs.poisonedBf16(p.q().length);
        backend.run(SuiteInputs.kernel(FlashAttention.class, "forwardBf16"),
                Map.of(FlashAttention.PARAM_HEAD_DIM, headDim),
                new int[] {FlashAttention.groups(s) * FlashAttention.GROUP}, new int[] {FlashAttention.GROUP},
                BFloat16Array.fromFloats(p.q()), BFloat16Array.fromFloats(p.k()), BFloat16Array.fromFloats(p.v()),
                p.sequenceStarts(), out, logSumExp, s.tokens(), s.heads(), s.kvHeads(), headDim, p.scale(), p.window(),
                p.softCap());
        AttentionReference.Forward exact = p.referenceForward();
        double[] loosened = new double[exact.outMagnitude().length];
        for (int i = 0; i < loosened.length; i++) {
            loosened[i] = exact.outMagnitude()[i] * (1 + P_ROUNDING / AttentionProblem.F32_TOLERANCE);
        }
        p.assertClose(in, backend, "output", s.heads(), out::getFloat, exact.out(), loosened);
        p.assertLogSumExp(in, backend, logSumExp::get, exact.logSumExp());
    }
}
