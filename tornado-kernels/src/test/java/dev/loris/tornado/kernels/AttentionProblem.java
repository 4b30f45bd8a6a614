package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.IntArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A random packed attention problem for the attention tests, and the tolerance they assert.
 *
 * <p>Problem: two to four sequences, each 1 to 12 tokens or 13 to 200 tokens at random (at most
 * {@value #MAX_TOKENS} in all, so the JVM backend, which switches every work-item at every barrier, finishes
 * in seconds); heads / kvHeads one of (4, 4), (4, 2), (8, 1); Q and K uniform in [-2, 2) (scaled scores
 * of standard deviation about 1.3, so the softmax is neither flat nor one-hot), V and dOut in [-1, 1); bf16
 * problems draw bf16 values. A local size of 32, 64, 128 or 256 (as GPUs launch) or of 1 to 16 (the JVM
 * launches 1); the scale 1 / sqrt(headDim) or another.
 * {@link #withWindowAndSoftCap} adds Gemma's options: a sliding window of 1 to 40 tokens (shorter than most
 * sequences) and a soft-cap of 4 to 30 (well within the scores' range, so tanh bends them).
 *
 * <p>Tolerance: |actual - exact| <= {@value #F32_TOLERANCE} * magnitude (the reference's sum of |terms|),
 * plus, for bf16 results, half a bf16 ulp of the rounded value: 2^-8 * (|exact| + that f32 error).
 */
record AttentionProblem(AttentionShape shape, int[] sequenceStart, float[] q, float[] k, float[] v, float[] dOut,
                        float scale, int local, boolean bf16, int window, float softCap) {
    static final int MAX_TOKENS = 400;
    static final double F32_TOLERANCE = 1e-5;
    private static final double BF16_HALF_ULP = 0x1p-8;
    private static final int[][] HEADS = {{4, 4}, {4, 2}, {8, 1}};
    /** Head sizes other than 64 and 128: odd ones (not multiples of 32) and the largest. */
    static final int[] OTHER_HEAD_DIMS = {1, 8, 33, 40, 72, 80, 96, 112, 160, 200, 256};

    static AttentionProblem draw(SuiteInputs in, int headDim, boolean bf16) {
        List<Integer> lengths = new ArrayList<>();
        int tokens = 0;
        int sequences = in.between(2, 4);
        while (lengths.size() < sequences) {
            int length = in.random.nextBoolean() ? in.between(1, 12) : in.between(13, 200);
            if (tokens + length <= MAX_TOKENS) {
                lengths.add(length);
                tokens += length;
            }
        }
        int[] heads = HEADS[in.random.nextInt(HEADS.length)];
        AttentionShape shape = new AttentionShape(tokens, heads[0], heads[1], headDim);
        int qLength = tokens * heads[0] * headDim;
        int kvLength = tokens * heads[1] * headDim;
        int[] starts = AttentionShape.sequenceStarts(lengths.stream().mapToInt(Integer::intValue).toArray());
        return new AttentionProblem(shape, starts, values(in, qLength, 2f, bf16), values(in, kvLength, 2f, bf16),
                values(in, kvLength, 1f, bf16), values(in, qLength, 1f, bf16), scale(in, shape),
                in.random.nextBoolean() ? 32 << in.random.nextInt(4) : 1 << in.random.nextInt(5), bf16, 0, 0f);
    }

    /** This problem with a random sliding window and soft-cap (each sometimes off, never both). */
    AttentionProblem withWindowAndSoftCap(SuiteInputs in) {
        int choice = in.random.nextInt(4);
        int window = choice == 1 ? 0 : in.between(1, 40);
        float cap = choice == 2 ? 0f : 4f + 26f * in.random.nextFloat();
        return new AttentionProblem(shape, sequenceStart, q, k, v, dOut, scale, local, bf16, window, cap);
    }

    /** The kernels' trailing arguments: tokens, heads, kvHeads, headDim, scale, window, softCap. */
    Object[] sizes() {
        return new Object[] {shape.tokens(), shape.heads(), shape.kvHeads(), shape.headDim(), scale, window, softCap};
    }

    /** Half the time 1 / sqrt(headDim), else that times a factor in [0.5, 1.5): callers may pass any scale. */
    private static float scale(SuiteInputs in, AttentionShape shape) {
        double factor = in.random.nextBoolean() ? 1 : 0.5 + in.random.nextDouble();
        return (float) (shape.defaultScale() * factor);
    }

    private static float[] values(SuiteInputs in, int n, float scale, boolean bf16) {
        return bf16 ? SuiteInputs.widen(in.bf16(n, scale)) : in.floats(n, scale);
    }

    static double[] toDoubles(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = values[i];
        }
        return result;
    }

    /** Doubles rounded to f32, as a kernel receives a saved f32 statistic (the log-sum-exp). */
    static float[] toFloats(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    /** The values as this problem stores them: rounded to bf16 for bf16 problems, else to f32. */
    float[] stored(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            float value = (float) values[i];
            result[i] = bf16 ? TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(value)) : value;
        }
        return result;
    }

    IntArray sequenceStarts() {
        return IntArray.fromArray(sequenceStart);
    }

    /** The forward in double precision from this problem's (stored) inputs. */
    AttentionReference.Forward referenceForward() {
        return AttentionReference.forward(shape, sequenceStart, toDoubles(q), toDoubles(k), toDoubles(v), scale,
                window, softCap);
    }

    String describe() {
        List<Integer> lengths = new ArrayList<>();
        for (int t = 0; t < sequenceStart.length; t++) {
            if (sequenceStart[t] == t) {
                lengths.add(1);
            } else {
                lengths.set(lengths.size() - 1, lengths.getLast() + 1);
            }
        }
        return (bf16 ? "bf16 " : "f32 ") + shape + ", sequences " + lengths + ", scale " + scale + ", local " + local
                + (window != 0 ? ", window " + window : "") + (softCap != 0 ? ", soft-cap " + softCap : "");
    }

    /**
     * Asserts every element of a (tokens, rowHeads * headDim) result against the exact one within the
     * tolerance; NaN (an unwritten, poisoned element) fails.
     */
    void assertClose(SuiteInputs in, SuiteAccelerator backend, String what, int rowHeads, IntToDoubleFunction actual,
                     double[] exact, double[] magnitude) {
        int dim = shape.headDim();
        for (int i = 0; i < exact.length; i++) {
            double f32Error = F32_TOLERANCE * magnitude[i];
            double tolerance = f32Error + (bf16 ? BF16_HALF_ULP * (Math.abs(exact[i]) + f32Error) : 0);
            double value = actual.applyAsDouble(i);
            int at = i;
            assertTrue(Math.abs(value - exact[i]) <= tolerance, () -> in.at(backend, what + " of token "
                    + at / (rowHeads * dim) + " head " + at / dim % rowHeads + " element " + at % dim + ": " + value
                    + ", expected " + exact[at] + " within " + tolerance + " (" + describe() + ")"));
        }
    }

    /** The log-sum-exp of every (token, head) within 1e-5 * (1 + |lse|). */
    void assertLogSumExp(SuiteInputs in, SuiteAccelerator backend, IntToDoubleFunction actual, double[] exact) {
        for (int i = 0; i < exact.length; i++) {
            double value = actual.applyAsDouble(i);
            double tolerance = F32_TOLERANCE * (1 + Math.abs(exact[i]));
            int at = i;
            assertTrue(Math.abs(value - exact[i]) <= tolerance, () -> in.at(backend, "log-sum-exp of token "
                    + at / shape.heads() + " head " + at % shape.heads() + ": " + value + ", expected " + exact[at]
                    + " (" + describe() + ")"));
        }
    }
}
