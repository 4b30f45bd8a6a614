package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RoPE kernels against the plain-Java references, bit for bit (f32 and bf16, forward and backward), and the
 * references against Hugging Face's formula written out literally and against finite differences.
 *
 * <p>The kernels work in place, so their outputs cannot be poisoned; the inputs are random and every element
 * off position 0 changes, so an element the kernel skipped shows (at position 0 the rotation is the identity,
 * which a skipped element also satisfies).
 */
class RopeTest {
    private static final int[] HEAD_DIMS = {64, 128, 80};

    /** A random batch: packed sequences, GQA head counts, a theta, and the table covering its positions. */
    private record Problem(int tokens, int heads, int kvHeads, int headDim, int rotaryDim, int[] positions,
                           float[] cos, float[] sin, Rope.Table table) {
        static Problem draw(SuiteInputs in) {
            return draw(in, 48);
        }

        static Problem draw(SuiteInputs in, int maxTokens) {
            int headDim = HEAD_DIMS[in.random.nextInt(HEAD_DIMS.length)];
            // Partial rotary a third of the time (Phi-4-mini's factor 0.75; a half), the whole head otherwise.
            int rotaryDim = switch (in.random.nextInt(6)) {
                case 0 -> headDim * 3 / 4;
                case 1 -> headDim / 2;
                default -> headDim;
            };
            int kvHeads = in.between(1, 4);
            int heads = kvHeads * in.between(1, 4);
            int tokens = in.between(1, maxTokens);
            int[] positions = packedPositions(in, tokens);
            int maxPosition = Arrays.stream(positions).max().getAsInt() + 1 + in.between(0, 5);
            float[] thetas = {10_000f, 500_000f, 1_000_000f};
            Rope.Table table = Rope.table(invFreq(thetas[in.random.nextInt(thetas.length)], rotaryDim), maxPosition);
            return new Problem(tokens, heads, kvHeads, headDim, rotaryDim, positions, table.cos().toHeapArray(),
                    table.sin().toHeapArray(), table);
        }

        /**
         * Sequences of random lengths whose position ids restart at 0; now and then one continues from a large
         * offset (a long-context chunk), so large angles are covered too.
         */
        private static int[] packedPositions(SuiteInputs in, int tokens) {
            int[] positions = new int[tokens];
            int t = 0;
            while (t < tokens) {
                int length = Math.min(tokens - t, in.between(1, 20));
                int first = in.random.nextInt(4) == 0 ? in.between(1, 8000) : 0;
                for (int j = 0; j < length; j++) {
                    positions[t++] = first + j;
                }
            }
            return positions;
        }

        String describe(String tensor, int index, int heads) {
            int row = index / (heads * headDim);
            return tensor + " element " + index + " (token " + row + " at position " + positions[row] + ", head "
                    + index % (heads * headDim) / headDim + ", column " + index % headDim + ") of " + tokens
                    + " tokens, " + this.heads + "/" + kvHeads + " heads of " + headDim + " rotating " + rotaryDim;
        }
    }

    /** transformers' inv_freq in f32: 1 / theta^(2i / d), the exponent an f32 quotient. */
    private static float[] invFreq(float theta, int headDim) {
        float[] invFreq = new float[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = (float) (1.0 / Math.pow(theta, (float) (2 * i) / headDim));
        }
        return invFreq;
    }

    @AcrossBackends
    void f32ForwardIsExact(SuiteAccelerator backend) {
        checkF32(backend, "forward");
    }

    @AcrossBackends
    void f32BackwardIsExact(SuiteAccelerator backend) {
        checkF32(backend, "backward");
    }

    @AcrossBackends
    void bf16ForwardFollowsTheHuggingFaceChainBitForBit(SuiteAccelerator backend) {
        checkBf16(backend, "forward");
    }

    @AcrossBackends
    void bf16BackwardFollowsTheAutogradChainBitForBit(SuiteAccelerator backend) {
        checkBf16(backend, "backward");
    }

    private static void checkF32(SuiteAccelerator backend, String kernel) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        float[] q = in.floats(p.tokens * p.heads * p.headDim, 4f);
        float[] k = in.floats(p.tokens * p.kvHeads * p.headDim, 4f);
        FloatArray qArray = FloatArray.fromArray(q);
        FloatArray kArray = FloatArray.fromArray(k);
        launch(in, backend, SuiteInputs.kernel(Rope.class, kernel), p, qArray, kArray);
        boolean forward = kernel.equals("forward");
        assertSameF32(in, backend, p, "Q", p.heads, forward
                ? RopeReference.forwardReference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin)
                : RopeReference.backwardReference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin), qArray);
        assertSameF32(in, backend, p, "K", p.kvHeads, forward
                ? RopeReference.forwardReference(k, p.kvHeads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin)
                : RopeReference.backwardReference(k, p.kvHeads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin), kArray);
    }

    private static void checkBf16(SuiteAccelerator backend, String kernel) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        short[] q = in.bf16(p.tokens * p.heads * p.headDim, 4f);
        short[] k = in.bf16(p.tokens * p.kvHeads * p.headDim, 4f);
        BFloat16Array qArray = BFloat16Array.fromArray(q);
        BFloat16Array kArray = BFloat16Array.fromArray(k);
        launch(in, backend, SuiteInputs.kernel(Rope.class, kernel), p, qArray, kArray);
        boolean forward = kernel.equals("forward");
        assertSameBf16(in, backend, p, "Q", p.heads, forward
                ? RopeReference.forwardBf16Reference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin)
                : RopeReference.backwardBf16Reference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin), qArray);
        assertSameBf16(in, backend, p, "K", p.kvHeads, forward
                ? RopeReference.forwardBf16Reference(k, p.kvHeads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin)
                : RopeReference.backwardBf16Reference(k, p.kvHeads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin), kArray);
    }

    private static void launch(SuiteInputs in, SuiteAccelerator backend, Method kernel, Problem p,
                               Object q, Object k) {
        long pairs = (long) p.tokens * (p.heads + p.kvHeads) * p.rotaryDim / 2;
        backend.run(kernel, in.strideGrid(pairs, 64), new int[] {64}, q, k, IntArray.fromArray(p.positions),
                p.table.cos(), p.table.sin(), p.tokens, p.heads, p.kvHeads, p.headDim, p.rotaryDim);
    }

    private static void assertSameF32(SuiteInputs in, SuiteAccelerator backend, Problem p, String tensor, int heads,
                                      float[] expected, FloatArray actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i), in.at(backend, p.describe(tensor, i, heads)));
        }
    }

    private static void assertSameBf16(SuiteInputs in, SuiteAccelerator backend, Problem p, String tensor, int heads,
                                       short[] expected, BFloat16Array actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(TornadoMath.bfloat16ToFloat(expected[i]), actual.getFloat(i),
                    in.at(backend, p.describe(tensor, i, heads)));
        }
    }

    /**
     * The f32 reference is transformers' apply_rotary_pos_emb written out: emb = cat(freqs, freqs) as full-width
     * cos/sin rows, rotate_half(x) = cat(-x[h:], x[:h]), then q * cos + rotate_half(q) * sin.
     */
    @Test
    void forwardReferenceIsTheHuggingFaceFormula() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        float[] q = in.floats(p.tokens * p.heads * p.headDim, 4f);
        float[] reference = RopeReference.forwardReference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin);
        int d = p.headDim;
        int r = p.rotaryDim;
        int half = r / 2;
        for (int t = 0; t < p.tokens; t++) {
            float[] cos = new float[r];
            float[] sin = new float[r];
            for (int j = 0; j < r; j++) {
                cos[j] = p.cos[p.positions[t] * half + j % half];
                sin[j] = p.sin[p.positions[t] * half + j % half];
            }
            for (int h = 0; h < p.heads; h++) {
                float[] x = Arrays.copyOfRange(q, (t * p.heads + h) * d, (t * p.heads + h + 1) * d);
                float[] rotated = new float[r];
                for (int j = 0; j < r; j++) {
                    rotated[j] = j < half ? -x[j + half] : x[j - half];
                }
                for (int j = 0; j < d; j++) { // cat(q_rot * cos + rotate_half(q_rot) * sin, q_pass)
                    float expected = j < r ? x[j] * cos[j] + rotated[j] * sin[j] : x[j];
                    assertEquals(expected, reference[(t * p.heads + h) * d + j],
                            "seed " + in.seed + ": token " + t + " head " + h + " column " + j);
                }
            }
        }
    }

    /**
     * backwardReference is the gradient of L(q) = sum(w * forwardReference(q)): central differences of the f32
     * reference (L in double) agree with it, at 500 random elements. L is linear, so only rounding separates them: each difference
     * moves two outputs of size up to ~6, each rounded to 2^-21, over 2h = 1/16, so 1e-4 is ample.
     */
    @Test
    void backwardReferenceIsTheGradientOfTheForwardOne() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, 8);
        int n = p.tokens * p.heads * p.headDim;
        float[] q = in.floats(n, 4f);
        float[] w = in.floats(n, 1f);
        float[] gradient = RopeReference.backwardReference(w, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin);
        float step = 1f / 32;
        for (int check = 0; check < 500; check++) {
            int j = in.random.nextInt(n);
            float original = q[j];
            q[j] = original + step;
            double up = weightedSum(w, forward(p, q));
            q[j] = original - step;
            double down = weightedSum(w, forward(p, q));
            q[j] = original;
            assertEquals((up - down) / (2 * step), gradient[j], 1e-4, "seed " + in.seed + ": element " + j);
        }
    }

    private static float[] forward(Problem p, float[] q) {
        return RopeReference.forwardReference(q, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin);
    }

    private static double weightedSum(float[] w, float[] y) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) w[i] * y[i];
        }
        return sum;
    }

    /**
     * The bf16 chains round the f32 ones: cos and sin rounded to bf16 (2^-8 relative each: bf16 keeps 8
     * significant bits), then two products and a sum each rounded to bf16 (2^-8 each), so an output is within
     * 3 * 2^-8 (|x1| + |x2|) of the f32 one, x1 and x2 its pair's inputs. A wrong sign or a swapped term is off
     * by about |x1| or |x2|.
     */
    @Test
    void bf16ReferencesRoundTheF32Ones() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        short[] bits = in.bf16(p.tokens * p.heads * p.headDim, 4f);
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = TornadoMath.bfloat16ToFloat(bits[i]);
        }
        assertRounds(in, p, values, forward(p, values),
                RopeReference.forwardBf16Reference(bits, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin));
        assertRounds(in, p, values,
                RopeReference.backwardReference(values, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin),
                RopeReference.backwardBf16Reference(bits, p.heads, p.headDim, p.rotaryDim, p.positions, p.cos, p.sin));
    }

    private static void assertRounds(SuiteInputs in, Problem p, float[] x, float[] f32, short[] bf16) {
        int half = p.rotaryDim / 2;
        for (int i = 0; i < f32.length; i++) {
            int column = i % p.headDim;
            int partner = column >= p.rotaryDim ? i : column < half ? i + half : i - half;
            float bound = 3 * (Math.abs(x[i]) + Math.abs(x[partner])) / 256;
            assertEquals(f32[i], TornadoMath.bfloat16ToFloat(bf16[i]), bound,
                    "seed " + in.seed + ": " + p.describe("Q", i, p.heads));
        }
    }

    /** Each table entry is the f32 cos/sin of the f32 angle inv_freq[i] * p, within 1 ulp of the exact one. */
    @Test
    void tableHoldsTheCosAndSinOfF32Angles() {
        SuiteInputs in = new SuiteInputs();
        int headDim = HEAD_DIMS[in.random.nextInt(HEAD_DIMS.length)];
        float[] invFreq = invFreq(500_000f, headDim);
        int positions = in.between(1, 9000);
        Rope.Table table = Rope.table(invFreq, positions);
        assertEquals(headDim / 2, table.half());
        assertEquals((long) positions * headDim / 2, table.cos().length());
        for (int check = 0; check < 2000; check++) {
            int p = in.random.nextInt(positions);
            int i = in.random.nextInt(headDim / 2);
            double angle = invFreq[i] * (float) p;
            float cos = table.cos().get(p * headDim / 2 + i);
            float sin = table.sin().get(p * headDim / 2 + i);
            assertEquals(StrictMath.cos(angle), cos, Math.ulp(cos), "seed " + in.seed + ": cos at " + p + ", " + i);
            assertEquals(StrictMath.sin(angle), sin, Math.ulp(sin), "seed " + in.seed + ": sin at " + p + ", " + i);
        }
    }

    @Test
    void positionsOutsideTheTableAreNamed() {
        Rope.checkPositions(IntArray.fromArray(new int[] {0, 1, 2, 0, 1}), 3);
        LorisException tooLarge = assertThrows(LorisException.class,
                () -> Rope.checkPositions(IntArray.fromArray(new int[] {0, 1, 2, 3, 0}), 3));
        assertTrue(tooLarge.getMessage().contains("position id 3 of token 3"), tooLarge.getMessage());
        LorisException negative = assertThrows(LorisException.class,
                () -> Rope.checkPositions(IntArray.fromArray(new int[] {0, -1}), 3));
        assertTrue(negative.getMessage().contains("position id -1 of token 1"), negative.getMessage());
    }
}
