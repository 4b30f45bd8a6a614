package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import org.junit.jupiter.api.Test;

import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-entropy forward and backward against double-precision references, with the tolerances stated in
 * CrossEntropy (bf16 gradients between the bf16 roundings of the reference's ends); the reference gradient
 * against finite differences of the reference loss; the host helpers. The gradient overwrites the logits, so
 * that buffer cannot be poisoned: an element the kernel failed to write keeps its logit, which no gradient
 * check accepts (ignored rows must read exactly 0).
 */
class CrossEntropyTest {
    private static final double EXPONENT_TOLERANCE = 2e-6;

    /**
     * A random batch: about a quarter of the labels ignored, a fifth of the others made confident, an eighth
     * with some logits at -inf.
     */
    private record Problem(int tokens, int vocab, int local, float[] logits, int[] labels, float scale) {
        static Problem draw(SuiteInputs in, boolean bf16) {
            int tokens = in.between(1, 40);
            int vocab = in.random.nextBoolean() ? in.between(1, 300) : in.between(1000, 20_000);
            int local = 1 << in.between(5, 8);
            float[] logits = in.floats(tokens * vocab, in.between(1, 16));
            int[] labels = new int[tokens];
            long targets = 0;
            for (int t = 0; t < tokens; t++) {
                labels[t] = in.random.nextInt(4) == 0 ? CrossEntropy.IGNORED : in.between(0, vocab - 1);
                if (labels[t] != CrossEntropy.IGNORED) {
                    targets++;
                    if (in.random.nextInt(5) == 0) {
                        logits[t * vocab + labels[t]] += 20f;
                    }
                    if (in.random.nextInt(8) == 0) {
                        maskSome(in, logits, t * vocab, vocab, labels[t]);
                    }
                }
            }
            if (bf16) {
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = roundToBf16(logits[i]);
                }
            }
            return new Problem(tokens, vocab, local, logits, labels, targets > 0 ? CrossEntropy.meanScale(targets) : 1f);
        }

        /** Sets about a tenth of a row's logits, the label's excepted, to -inf (probability 0). */
        private static void maskSome(SuiteInputs in, float[] logits, int rowStart, int vocab, int label) {
            for (int c = 0; c < vocab; c++) {
                if (c != label && in.random.nextInt(10) == 0) {
                    logits[rowStart + c] = Float.NEGATIVE_INFINITY;
                }
            }
        }

        String describe(int t) {
            return "token " + t + " (label " + labels[t] + ") of " + tokens + "x" + vocab + ", group " + local;
        }
    }

    @AcrossBackends
    void f32LossAndGradientAreWithinTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, false);
        FloatArray logits = FloatArray.fromArray(p.logits);
        FloatArray losses = SuiteInputs.poisonedFloats(p.tokens);
        backend.run(SuiteInputs.kernel(CrossEntropy.class, "forwardBackward"), new int[] {p.tokens * p.local},
                new int[] {p.local}, logits, IntArray.fromArray(p.labels), losses, 0, p.vocab, p.scale, 0f);
        check(in, backend, p, losses, logits::get, false);
    }

    @AcrossBackends
    void bf16LossAndGradientAreWithinTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        Problem p = Problem.draw(in, true);
        BFloat16Array logits = BFloat16Array.fromFloats(p.logits);
        FloatArray losses = SuiteInputs.poisonedFloats(p.tokens);
        backend.run(SuiteInputs.kernel(CrossEntropy.class, "forwardBackward"), new int[] {p.tokens * p.local},
                new int[] {p.local}, logits, IntArray.fromArray(p.labels), losses, 0, p.vocab, p.scale, 0f);
        check(in, backend, p, losses, logits::getFloat, true);
    }

    /**
     * Soft-capped logits (Gemma 2's final_logit_softcapping) in f32 against a double reference: the loss of
     * cap * tanh(x / cap) and its gradient with respect to the raw logits. Tolerances as the uncapped ones, on the
     * capped logits, plus tanh's error (1e-6 * cap absolute) and that of 1 - tanh^2 (1e-6).
     */
    @AcrossBackends
    void f32SoftCappedLossAndGradientAreWithinTolerance(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int tokens = in.between(1, 30);
        int vocab = in.random.nextBoolean() ? in.between(1, 300) : in.between(1000, 10_000);
        int local = 1 << in.between(5, 8);
        float cap = 5f + 40f * in.random.nextFloat();
        float[] raw = in.floats(tokens * vocab, in.between(1, 80));
        int[] labels = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            labels[t] = in.random.nextInt(4) == 0 ? CrossEntropy.IGNORED : in.between(0, vocab - 1);
        }
        float scale = 0.5f / tokens;
        FloatArray logits = FloatArray.fromArray(raw);
        FloatArray losses = SuiteInputs.poisonedFloats(tokens);
        backend.run(SuiteInputs.kernel(CrossEntropy.class, "forwardBackward"), new int[] {tokens * local},
                new int[] {local}, logits, IntArray.fromArray(labels), losses, 0, vocab, scale, cap);
        double capError = 1e-6 * cap;
        for (int t = 0; t < tokens; t++) {
            double[] capped = new double[vocab];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                capped[c] = cap * Math.tanh((double) raw[t * vocab + c] / cap);
                max = Math.max(max, capped[c]);
            }
            double sum = 0;
            for (double x : capped) {
                sum += Math.exp(x - max);
            }
            double lse = max + Math.log(sum);
            String where = "token " + t + " of " + tokens + "x" + vocab + ", cap " + cap + ", group " + local;
            if (labels[t] == CrossEntropy.IGNORED) {
                assertWithin(in, backend, "loss of ignored " + where, losses.get(t), 0, 0);
                continue;
            }
            double loss = lse - capped[labels[t]];
            double lossBound = exponentError(lse, capped[labels[t]]) + 2 * capError + 0x1p-23 * loss;
            assertWithin(in, backend, "loss of " + where, losses.get(t), loss - lossBound, loss + lossBound);
            for (int c = 0; c < vocab; c++) {
                double p = Math.exp(capped[c] - lse);
                double onehot = c == labels[t] ? 1 : 0;
                double derivative = 1 - Math.pow(capped[c] / cap, 2);
                double expected = scale * (p - onehot) * derivative;
                double bound = Math.abs(scale) * ((p * (exponentError(lse, capped[c]) + 2 * capError + 0x1p-22)
                        + onehot * 0x1p-23) * derivative + (p + onehot) * 1e-6);
                assertWithin(in, backend, "gradient of column " + c + " of " + where, logits.get(t * vocab + c),
                        expected - bound, expected + bound);
            }
        }
    }

    /** The reference gradient against central differences of scale * sum(losses), all in double. */
    @Test
    void referenceGradientMatchesFiniteDifferences() {
        SuiteInputs in = new SuiteInputs();
        int tokens = in.between(1, 3);
        int vocab = in.between(1, 20);
        float[] logits = in.floats(tokens * vocab, 8f);
        int[] labels = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            labels[t] = t == 0 ? CrossEntropy.IGNORED : in.between(0, vocab - 1);
        }
        float scale = 0.25f;
        double[] gradients = CrossEntropyReference.gradientReference(logits, labels, vocab, scale);
        float step = 1f / 1024; // exact in float, so x +- step are exact
        for (int i = 0; i < logits.length; i++) {
            float[] plus = logits.clone();
            float[] minus = logits.clone();
            plus[i] += step;
            minus[i] -= step;
            double numeric = scale * (sum(CrossEntropyReference.lossReference(plus, labels, vocab))
                    - sum(CrossEntropyReference.lossReference(minus, labels, vocab))) / (2 * step);
            assertTrue(Math.abs(numeric - gradients[i]) <= 1e-6, "seed " + in.seed + ": element " + i + " of "
                    + tokens + "x" + vocab + ": finite difference " + numeric + ", reference " + gradients[i]);
        }
    }

    @Test
    void countTargetsCountsLabelsInTheVocabulary() {
        SuiteInputs in = new SuiteInputs();
        int vocab = in.between(1, 1000);
        int[] labels = new int[in.between(1, 500)];
        long expected = 0;
        for (int t = 0; t < labels.length; t++) {
            labels[t] = in.random.nextBoolean() ? CrossEntropy.IGNORED : in.between(0, vocab - 1);
            expected += labels[t] == CrossEntropy.IGNORED ? 0 : 1;
        }
        assertEquals(expected, CrossEntropy.countTargets(IntArray.fromArray(labels), vocab), "seed " + in.seed);
    }

    @Test
    void labelsOutsideTheVocabularyAreRefused() {
        SuiteInputs in = new SuiteInputs();
        int vocab = in.between(1, 1000);
        for (int bad : new int[] {vocab, -1, -101, Integer.MAX_VALUE}) {
            int[] labels = {0, CrossEntropy.IGNORED, bad};
            InvalidLabelsException e = assertThrows(InvalidLabelsException.class,
                    () -> CrossEntropy.countTargets(IntArray.fromArray(labels), vocab));
            assertTrue(e.getMessage().contains("label " + bad + " of token 2"), e.getMessage());
        }
    }

    @Test
    void aBatchWithEveryLabelIgnoredIsRefused() {
        InvalidLabelsException e = assertThrows(InvalidLabelsException.class, () -> CrossEntropy.meanScale(0));
        assertTrue(e.hint().contains("masking"), e.hint());
        assertEquals(0.125f, CrossEntropy.meanScale(8));
    }

    /** n equal floats sum exactly in double (n * v has at most 24 + 17 significant bits); f32 would drift. */
    @Test
    void lossesAreSummedInDouble() {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(50_000, 100_000);
        float value = 1 + in.random.nextFloat();
        FloatArray losses = new FloatArray(n);
        losses.init(value);
        assertEquals((double) n * value, CrossEntropy.sumLosses(losses), 0.0, "seed " + in.seed);
    }

    /** Losses and gradients (read through {@code gradient}) of every token against the references. */
    private static void check(SuiteInputs in, SuiteAccelerator backend, Problem p, FloatArray losses,
                              LongFunction<Float> gradient, boolean bf16) {
        double[] lse = CrossEntropyReference.logSumExpReference(p.logits, p.vocab);
        double[] expectedLosses = CrossEntropyReference.lossReference(p.logits, p.labels, p.vocab);
        double[] expectedGradients = CrossEntropyReference.gradientReference(p.logits, p.labels, p.vocab, p.scale);
        for (int t = 0; t < p.tokens; t++) {
            boolean target = p.labels[t] != CrossEntropy.IGNORED;
            double lossBound = target ? exponentError(lse[t], p.logits[t * p.vocab + p.labels[t]])
                    + 0x1p-23 * expectedLosses[t] : 0;
            assertWithin(in, backend, "loss of " + p.describe(t), losses.get(t), expectedLosses[t] - lossBound,
                    expectedLosses[t] + lossBound);
            for (int c = 0; c < p.vocab; c++) {
                int i = t * p.vocab + c;
                double probability = target ? Math.exp(p.logits[i] - lse[t]) : 0;
                double relative = probability > 0 ? exponentError(lse[t], p.logits[i]) + 0x1p-22 : 0; // -inf: exact 0
                double bound = Math.abs(p.scale) * (probability * relative + (c == p.labels[t] ? 0x1p-23 : 0));
                double low = expectedGradients[i] - bound;
                double high = expectedGradients[i] + bound;
                if (bf16) {
                    low = roundToBf16((float) low);
                    high = roundToBf16((float) high);
                }
                assertWithin(in, backend, "gradient of column " + c + " of " + p.describe(t), gradient.apply(i), low,
                        high);
            }
        }
    }

    /** The stated bound on the error of lse and of x - lse. */
    private static double exponentError(double lse, double x) {
        return EXPONENT_TOLERANCE * (1 + Math.abs(lse) + Math.abs(x - lse));
    }

    private static void assertWithin(SuiteInputs in, SuiteAccelerator backend, String where, float actual,
                                     double low, double high) {
        assertTrue(actual >= low && actual <= high,
                in.at(backend, where + " = " + actual + ", outside [" + low + ", " + high + "]"));
    }

    private static float roundToBf16(float value) {
        return TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(value));
    }

    private static double sum(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum;
    }
}
