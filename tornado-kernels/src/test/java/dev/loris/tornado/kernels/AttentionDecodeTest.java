package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decode attention against the double reference, on several sequences whose caches hold from one key to
 * several tiles' worth, for grouped and ungrouped heads, with work-groups of 1 to GROUP work-items (GPUs launch
 * GROUP, the JVM 1). Outputs are weighted means of values, so errors
 * are bounded against the largest value magnitude: f32 within 2e-5 of it, bf16 also within the output's
 * own rounding (2^-8 relative).
 */
class AttentionDecodeTest {
    private static final int[][] HEADS = {{4, 2}, {2, 1}, {3, 3}, {8, 1}};

    /** A random problem: seqs sequences, heads and kv heads, headDim, capacity, lengths, inputs, group size. */
    record Problem(int seqs, int heads, int kvHeads, int headDim, int capacity, int[] lengths,
                           float[] q, float[] k, float[] v, float scale, int window, float softCap, int group) {
        static Problem draw(SuiteInputs in, boolean bf16) {
            int[] hk = HEADS[in.between(0, HEADS.length - 1)];
            int headDim = new int[] {32, 64, 128, 80}[in.between(0, 3)];
            int seqs = in.between(1, 4);
            int capacity = in.between(1, 300);
            int[] lengths = new int[seqs];
            for (int s = 0; s < seqs; s++) {
                lengths[s] = in.random.nextInt(4) == 0 ? capacity : in.between(1, capacity);
            }
            int qn = seqs * hk[0] * headDim;
            int cn = seqs * capacity * hk[1] * headDim;
            return new Problem(seqs, hk[0], hk[1], headDim, capacity, lengths, values(in, qn, bf16),
                    values(in, cn, bf16), values(in, cn, bf16), (float) (1 / Math.sqrt(headDim)), 0, 0f,
                    in.random.nextBoolean() ? AttentionDecode.GROUP : 1 << in.between(0, 6));
        }

        /** With Gemma's options: a window of 1 to 150 keys (shorter than many caches) and a soft-cap of 4 to 30. */
        Problem withWindowAndSoftCap(SuiteInputs in) {
            return new Problem(seqs, heads, kvHeads, headDim, capacity, lengths, q, k, v, scale, in.between(1, 150),
                    in.random.nextBoolean() ? 0f : 4f + 26f * in.random.nextFloat(), group);
        }

        private static float[] values(SuiteInputs in, int n, boolean bf16) {
            return bf16 ? SuiteInputs.widen(in.bf16(n, 2f)) : in.floats(n, 2f);
        }

        String describe() {
            return seqs + " sequences, heads " + heads + "/" + kvHeads + ", headDim " + headDim + ", capacity "
                    + capacity + ", lengths " + java.util.Arrays.toString(lengths) + ", window " + window
                    + ", soft-cap " + softCap + ", group " + group;
        }
    }

    @AcrossBackends
    void f32MatchesTheReference(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        checkF32(in, backend, Problem.draw(in, false));
    }

    @AcrossBackends
    void f32SlidingWindowAndSoftCapMatchTheReference(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        checkF32(in, backend, Problem.draw(in, false).withWindowAndSoftCap(in));
    }

    @AcrossBackends
    void bf16SlidingWindowAndSoftCapMatchTheReference(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        checkBf16(in, backend, Problem.draw(in, true).withWindowAndSoftCap(in));
    }

    private static void checkF32(SuiteInputs in, SuiteAccelerator backend, Problem p) {
        FloatArray out = SuiteInputs.poisonedFloats(p.q.length);
        backend.run(SuiteInputs.kernel(AttentionDecode.class, "decode"),
                new int[] {p.seqs * p.heads * p.group}, new int[] {p.group},
                FloatArray.fromArray(p.q), FloatArray.fromArray(p.k), FloatArray.fromArray(p.v),
                IntArray.fromArray(p.lengths), out, p.heads, p.kvHeads, p.headDim, p.capacity, p.scale,
                p.window, p.softCap);
        check(in, backend, p, out.toHeapArray(), 0);
    }

    @AcrossBackends
    void bf16MatchesTheReferenceWithinItsRounding(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        checkBf16(in, backend, Problem.draw(in, true));
    }

    private static void checkBf16(SuiteInputs in, SuiteAccelerator backend, Problem p) {
        BFloat16Array out = SuiteInputs.poisonedBf16(p.q.length);
        backend.run(SuiteInputs.kernel(AttentionDecode.class, "decode"),
                new int[] {p.seqs * p.heads * p.group}, new int[] {p.group},
                BFloat16Array.fromFloats(p.q), BFloat16Array.fromFloats(p.k), BFloat16Array.fromFloats(p.v),
                IntArray.fromArray(p.lengths), out, p.heads, p.kvHeads, p.headDim, p.capacity, p.scale,
                p.window, p.softCap);
        check(in, backend, p, out.toFloatArray(), 0x1p-8);
    }

    /** Every output within 4e-5 (2e-5 of the largest value magnitude, 2) plus {@code relative} of itself. */
    static void check(SuiteInputs in, SuiteAccelerator backend, Problem p, float[] actual, double relative) {
        float[] expected = AttentionDecode.reference(p.q, p.k, p.v, p.lengths, p.heads, p.kvHeads, p.headDim,
                p.capacity, p.scale, p.window, p.softCap);
        double bound = 2e-5 * 2f;
        for (int i = 0; i < expected.length; i++) {
            double tolerance = bound + relative * Math.abs(expected[i]);
            assertTrue(Math.abs(actual[i] - expected[i]) <= tolerance, in.at(backend, p.describe() + ": out[" + i
                    + "] = " + actual[i] + ", expected " + expected[i] + " within " + tolerance));
        }
    }
}
