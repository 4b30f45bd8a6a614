package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core attention backward (delta by AttentionBackward.rowDots, then FlashAttentionBackward's dK/dV
 * and dQ kernels) against the double-precision reference on random packed problems (AttentionProblem, bf16:
 * ragged lengths, GQA, a random scale), from the reference forward's out (rounded to bf16) and log-sum-exp,
 * outputs poisoned first. Tolerance: each gradient within (1e-5 + 2^-8) of its magnitude (P and dS are rounded
 * to bf16 as operands of the gradient products, as FlashAttention-2 does) plus the bf16 half ulp. head_dim 64
 * and 128 (the fast sizes) and one of 48, 80, 96, 256 (256 through the Wide kernels, two column blocks).
 * On the JVM (which runs the tiles exactly) and CUDA; PoCL is skipped as for the forward (FlashAttentionTest).
 */
class FlashAttentionBackwardTest {
    private static final double OPERAND_ROUNDING = 0x1p-8;
    private static final int[] OTHER_HEAD_DIMS = {48, 80, 96, 256};

    @AcrossBackends
    void headDim64(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 64, false);
    }

    @AcrossBackends
    void headDim128(SuiteAccelerator backend) {
        check(backend, new SuiteInputs(), 128, false);
    }

    @AcrossBackends
    void otherHeadDim(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, OTHER_HEAD_DIMS[in.random.nextInt(OTHER_HEAD_DIMS.length)], false);
    }

    /** Gemma's options: a sliding window shorter than most sequences and/or a soft-cap. */
    @AcrossBackends
    void slidingWindowAndSoftCap(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(backend, in, 64, true); // the Wide entry points share keyValueTiles and queryTiles
    }

    @Test
    void supportsMultiplesOf16UpTo128AndOf32UpTo256() {
        for (int headDim : new int[] {16, 48, 64, 80, 96, 128, 160, 192, 256}) {
            assertTrue(FlashAttentionBackward.supports(headDim), "head_dim " + headDim);
        }
        for (int headDim : new int[] {0, 40, 72, 144, 288}) {
            assertFalse(FlashAttentionBackward.supports(headDim), "head_dim " + headDim);
        }
        assertEquals(2 * 4 * 3, FlashAttentionBackward.keyValueGroups(new AttentionShape(130, 8, 4, 256)));
        assertEquals(1 * 8 * 3, FlashAttentionBackward.queryGroups(new AttentionShape(130, 8, 4, 128)));
    }

    private static void check(SuiteAccelerator backend, SuiteInputs in, int headDim, boolean gemmaOptions) {
        Assumptions.assumeTrue(backend.backend() != Accelerator.Backend.OPENCL,
                "FlashAttention is not compiled for OpenCL in tests (see FlashAttentionTest)");
        AttentionProblem drawn = AttentionProblem.draw(in, headDim, true);
        AttentionProblem p = gemmaOptions ? drawn.withWindowAndSoftCap(in) : drawn;
        AttentionShape s = p.shape();
        AttentionReference.Forward forward = p.referenceForward();
        float[] out = p.stored(forward.out());
        float[] logSumExp = AttentionProblem.toFloats(forward.logSumExp());
        BFloat16Array q = BFloat16Array.fromFloats(p.q());
        BFloat16Array k = BFloat16Array.fromFloats(p.k());
        BFloat16Array v = BFloat16Array.fromFloats(p.v());
        BFloat16Array dOut = BFloat16Array.fromFloats(p.dOut());
        BFloat16Array dQ = SuiteInputs.poisonedBf16(p.q().length);
        BFloat16Array dK = SuiteInputs.poisonedBf16(p.k().length);
        BFloat16Array dV = SuiteInputs.poisonedBf16(p.k().length);
        FloatArray delta = SuiteInputs.poisonedFloats((long) s.tokens() * s.heads());
        FloatArray lse = FloatArray.fromArray(logSumExp);
        int group = FlashAttentionBackward.GROUP;
        boolean wide = FlashAttentionBackward.wide(headDim);
        backend.run(SuiteInputs.kernel(AttentionBackward.class, "rowDots"), new int[] {s.rowDotGroups(64) * 64},
                new int[] {64}, BFloat16Array.fromFloats(out), dOut, delta, s.rows(), headDim);
        backend.run(SuiteInputs.kernel(FlashAttentionBackward.class,
                        wide ? "keyValueGradientsWide" : "keyValueGradients"),
                Map.of(FlashAttentionBackward.PARAM_HEAD_DIM_KEY_VALUE, headDim),
                new int[] {FlashAttentionBackward.keyValueGroups(s) * group}, new int[] {group},
                q, k, v, dOut, lse, delta, p.sequenceStarts(), dK, dV, s.tokens(), s.heads(), s.kvHeads(), headDim,
                p.scale(), p.window(), p.softCap());
        backend.run(SuiteInputs.kernel(FlashAttentionBackward.class, wide ? "queryGradientsWide" : "queryGradients"),
                Map.of(FlashAttentionBackward.PARAM_HEAD_DIM_QUERY, headDim),
                new int[] {FlashAttentionBackward.queryGroups(s) * group}, new int[] {group},
                q, k, v, dOut, lse, delta, p.sequenceStarts(), dQ, s.tokens(), s.heads(), s.kvHeads(), headDim,
                p.scale(), p.window(), p.softCap());
        AttentionReference.Gradients exact = AttentionReference.backward(s, p.sequenceStart(),
                AttentionProblem.toDoubles(p.q()), AttentionProblem.toDoubles(p.k()), AttentionProblem.toDoubles(p.v()),
                AttentionProblem.toDoubles(out), AttentionProblem.toDoubles(p.dOut()),
                AttentionProblem.toDoubles(logSumExp), p.scale(), p.window(), p.softCap());
        p.assertClose(in, backend, "dQ", s.heads(), dQ::getFloat, exact.dq(), loosened(exact.dqMagnitude()));
        p.assertClose(in, backend, "dK", s.kvHeads(), dK::getFloat, exact.dk(), loosened(exact.dkMagnitude()));
        p.assertClose(in, backend, "dV", s.kvHeads(), dV::getFloat, exact.dv(), loosened(exact.dvMagnitude()));
    }

    /** Magnitudes scaled so that assertClose's 1e-5 * magnitude becomes (1e-5 + 2^-8) * magnitude. */
    static double[] loosened(double[] magnitude) {
        double[] result = new double[magnitude.length];
        for (int i = 0; i < result.length; i++) {
            result[i] = magnitude[i] * (1 + OPERAND_ROUNDING / AttentionProblem.F32_TOLERANCE);
        }
        return result;
    }
}
