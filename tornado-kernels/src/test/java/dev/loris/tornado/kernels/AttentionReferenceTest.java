package dev.loris.tornado.kernels;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The maths of AttentionReference itself, which the kernel tests trust: the masking of the forward (a token
 * of a one-token sequence gets its own value row through its kv head; packed sequences give what each gives
 * alone; no token sees a later one), and the backward against central finite differences of the forward's
 * loss sum(out * dOut), all in double.
 */
class AttentionReferenceTest {
    private static final int[][] HEADS = {{4, 4}, {4, 2}, {8, 1}};

    @Test
    void aOneTokenSequenceGetsItsOwnValueRow() {
        SuiteInputs in = new SuiteInputs();
        int[] heads = HEADS[in.random.nextInt(HEADS.length)];
        AttentionShape shape = new AttentionShape(in.between(1, 6), heads[0], heads[1], in.between(1, 16));
        int[] starts = new int[shape.tokens()];
        Arrays.setAll(starts, t -> t);
        double[] q = doubles(in, shape.tokens() * shape.heads() * shape.headDim());
        double[] k = doubles(in, shape.tokens() * shape.kvHeads() * shape.headDim());
        double[] v = doubles(in, k.length);
        AttentionReference.Forward forward = AttentionReference.forward(shape, starts, q, k, v, 0.5);
        int group = shape.heads() / shape.kvHeads();
        for (int t = 0; t < shape.tokens(); t++) {
            for (int h = 0; h < shape.heads(); h++) {
                int row = (t * shape.heads() + h) * shape.headDim();
                int kvRow = (t * shape.kvHeads() + h / group) * shape.headDim();
                double score = 0;
                for (int d = 0; d < shape.headDim(); d++) {
                    assertEquals(v[kvRow + d], forward.out()[row + d], 1e-15, "seed " + in.seed + ": " + shape);
                    score += q[row + d] * k[kvRow + d];
                }
                assertEquals(0.5 * score, forward.logSumExp()[t * shape.heads() + h], 1e-12, "seed " + in.seed);
            }
        }
    }

    @Test
    void packedSequencesGiveWhatEachGivesAlone() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        AttentionReference.Forward packed = p.forward(p.q, p.k, p.v);
        int width = p.shape.heads() * p.shape.headDim();
        int kvWidth = p.shape.kvHeads() * p.shape.headDim();
        for (int first = 0, end; first < p.shape.tokens(); first = end) {
            end = first + 1;
            while (end < p.shape.tokens() && p.starts[end] == first) {
                end++;
            }
            AttentionShape alone = new AttentionShape(end - first, p.shape.heads(), p.shape.kvHeads(),
                    p.shape.headDim());
            AttentionReference.Forward single = AttentionReference.forward(alone, new int[end - first],
                    Arrays.copyOfRange(p.q, first * width, end * width),
                    Arrays.copyOfRange(p.k, first * kvWidth, end * kvWidth),
                    Arrays.copyOfRange(p.v, first * kvWidth, end * kvWidth), p.scale);
            assertArrayEquals(single.out(), Arrays.copyOfRange(packed.out(), first * width, end * width), 1e-14,
                    "seed " + in.seed + ": the sequence from token " + first);
        }
    }

    @Test
    void noTokenSeesALaterOne() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        int last = p.shape.tokens() - 1;
        double[] k = p.k.clone();
        double[] v = p.v.clone();
        int kvWidth = p.shape.kvHeads() * p.shape.headDim();
        for (int i = last * kvWidth; i < k.length; i++) {
            k[i] += 1;
            v[i] += 1;
        }
        double[] before = p.forward(p.q, p.k, p.v).out();
        double[] after = p.forward(p.q, k, v).out();
        int width = p.shape.heads() * p.shape.headDim();
        assertArrayEquals(Arrays.copyOf(before, last * width), Arrays.copyOf(after, last * width), 0,
                "seed " + in.seed + ": changing the last token's key and value changed an earlier output");
        assertTrue(before[last * width] != after[last * width], "seed " + in.seed + ": the last token's output");
    }

    /**
     * Each of some elements of Q, K and V moved by +-1e-5: (loss(+) - loss(-)) / 2e-5 within 1e-7 * (1 +
     * magnitude) of the reference gradient (truncation about 1e-10 times the third derivative, rounding about
     * 1e-16 * |loss| / 1e-5: both far below).
     */
    @Test
    void backwardMatchesFiniteDifferencesOfTheForward() {
        SuiteInputs in = new SuiteInputs();
        checkFiniteDifferences(in, Problem.draw(in));
    }

    /** The same with a sliding window of 1 to 4 tokens (shorter than most sequences) and a soft-cap of 0.5 to 2. */
    @Test
    void backwardWithWindowAndSoftCapMatchesFiniteDifferences() {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in);
        checkFiniteDifferences(in, new Problem(p.shape, p.starts, p.q, p.k, p.v, p.scale, in.between(1, 4),
                0.5 + 1.5 * in.random.nextDouble()));
    }

    /** A key further back than the window changes nothing; one within it changes the output. */
    @Test
    void keysOutsideTheWindowAreNotSeen() {
        SuiteInputs in = new SuiteInputs();
        Problem drawn = Problem.draw(in);
        Problem p = new Problem(drawn.shape, new int[drawn.starts.length], drawn.q, drawn.k, drawn.v, drawn.scale,
                2, 0);
        int last = p.shape.tokens() - 1;
        int kvWidth = p.shape.kvHeads() * p.shape.headDim();
        int width = p.shape.heads() * p.shape.headDim();
        for (int key = 0; key < last; key++) {
            double[] k = p.k.clone();
            double[] v = p.v.clone();
            for (int i = key * kvWidth; i < (key + 1) * kvWidth; i++) {
                k[i] += 1;
                v[i] += 1;
            }
            double[] before = p.forward(p.q, p.k, p.v).out();
            double[] after = p.forward(p.q, k, v).out();
            boolean changed = before[last * width] != after[last * width];
            assertEquals(last - key < 2, changed, "seed " + in.seed + ": key " + key + " for query " + last);
        }
    }

    private static void checkFiniteDifferences(SuiteInputs in, Problem p) {
        double[] dOut = doubles(in, p.q.length);
        AttentionReference.Forward forward = p.forward(p.q, p.k, p.v);
        AttentionReference.Gradients g = AttentionReference.backward(p.shape, p.starts, p.q, p.k, p.v, forward.out(),
                dOut, forward.logSumExp(), p.scale, p.window, p.softCap);
        double[][] inputs = {p.q, p.k, p.v};
        double[][] gradients = {g.dq(), g.dk(), g.dv()};
        double[][] magnitudes = {g.dqMagnitude(), g.dkMagnitude(), g.dvMagnitude()};
        String[] names = {"Q", "K", "V"};
        double h = 1e-5;
        for (int which = 0; which < 3; which++) {
            for (int trial = 0; trial < 40; trial++) {
                int i = in.random.nextInt(inputs[which].length);
                double[][] moved = {p.q.clone(), p.k.clone(), p.v.clone()};
                moved[which][i] += h;
                double plus = loss(p.forward(moved[0], moved[1], moved[2]), dOut);
                moved[which][i] -= 2 * h;
                double minus = loss(p.forward(moved[0], moved[1], moved[2]), dOut);
                assertEquals((plus - minus) / (2 * h), gradients[which][i], 1e-7 * (1 + magnitudes[which][i]),
                        "seed " + in.seed + ": d" + names[which] + "[" + i + "] of " + p.shape + ", window " + p.window
                                + ", soft-cap " + p.softCap);
            }
        }
    }

    /** A small random packed problem in double: up to four sequences of 1 to 8 tokens. */
    private record Problem(AttentionShape shape, int[] starts, double[] q, double[] k, double[] v, double scale,
                           int window, double softCap) {
        static Problem draw(SuiteInputs in) {
            int sequences = in.between(1, 4);
            int[] starts = new int[0];
            for (int s = 0; s < sequences; s++) {
                int first = starts.length;
                starts = Arrays.copyOf(starts, first + in.between(1, 8));
                Arrays.fill(starts, first, starts.length, first);
            }
            int[] heads = HEADS[in.random.nextInt(HEADS.length)];
            AttentionShape shape = new AttentionShape(starts.length, heads[0], heads[1], in.between(1, 16));
            int kvLength = starts.length * heads[1] * shape.headDim();
            return new Problem(shape, starts, doubles(in, starts.length * heads[0] * shape.headDim()),
                    doubles(in, kvLength), doubles(in, kvLength), 0.2 + in.random.nextDouble(), 0, 0);
        }

        AttentionReference.Forward forward(double[] q, double[] k, double[] v) {
            return AttentionReference.forward(shape, starts, q, k, v, scale, window, softCap);
        }
    }

    private static double loss(AttentionReference.Forward forward, double[] dOut) {
        double sum = 0;
        for (int i = 0; i < dOut.length; i++) {
            sum += forward.out()[i] * dOut[i];
        }
        return sum;
    }

    private static double[] doubles(SuiteInputs in, int n) {
        return AttentionProblem.toDoubles(in.floats(n, 2f));
    }
}
