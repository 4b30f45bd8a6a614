package dev.loris.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token of one sequence from its logits on the host, as transformers' generate does with the
 * same settings: repetition penalty, then temperature, top-k and top-p (in transformers' order), then the
 * argmax (greedy) or a draw from the softmax. The draws use our own random generator, so a sampled run
 * matches transformers in distribution, not token for token; greedy runs match exactly.
 *
 * <p>One Sampler per sequence (it owns its random stream and scratch arrays); {@link #next} overwrites the
 * logits it is given. Maths in f32 like transformers' float32 logits, the softmax sum in f64.
 */
public final class Sampler {
    private final SamplingSettings settings;
    private final SplittableRandom random;
    private float[] sorted = new float[0];
    private Integer[] order = new Integer[0];

    public Sampler(SamplingSettings settings, int sequence) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed() * 0x9E3779B97F4A7C15L + sequence);
    }

    /**
     * The next token for {@code logits} (vocab, f32; overwritten) given the ids so far ({@code history},
     * prompt and output, the first {@code historyLength} count).
     */
    public int next(float[] logits, int[] history, int historyLength) {
        if (settings.repetitionPenalty() != 1f) {
            penaliseRepeats(logits, history, historyLength, settings.repetitionPenalty());
        }
        if (settings.greedy()) {
            return argmax(logits);
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= settings.temperature();
        }
        if (settings.topK() > 0 && settings.topK() < logits.length) {
            keepTopK(logits, settings.topK());
        }
        if (settings.topP() < 1f) {
            keepTopP(logits, settings.topP());
        }
        return draw(logits);
    }

    /** transformers' RepetitionPenaltyLogitsProcessor: each distinct id seen once, whatever its count. */
    static void penaliseRepeats(float[] logits, int[] history, int historyLength, float penalty) {
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < historyLength; i++) {
            int id = history[i];
            if (id >= 0 && id < logits.length && !seen[id]) {
                seen[id] = true;
                logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
            }
        }
    }

    /** The first index of the largest logit (torch.argmax's choice among ties). */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** transformers' TopKLogitsWarper: logits below the k-th largest become -inf (ties with it stay). */
    void keepTopK(float[] logits, int k) {
        float[] copy = scratch(logits);
        Arrays.sort(copy);
        float kth = copy[copy.length - k];
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] < kth) {
                logits[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * transformers' TopPLogitsWarper: sort ascending, accumulate the softmax, drop the tokens whose
     * cumulative probability stays at or below 1 - top_p, always keeping the most probable one.
     */
    void keepTopP(float[] logits, float topP) {
        Integer[] ascending = order(logits);
        double[] probabilities = softmax(logits);
        double cumulative = 0;
        for (int r = 0; r < ascending.length - 1; r++) {
            int id = ascending[r];
            cumulative += probabilities[id];
            if (cumulative <= 1 - (double) topP) {
                logits[id] = Float.NEGATIVE_INFINITY;
            } else {
                break;
            }
        }
    }

    private int draw(float[] logits) {
        double[] probabilities = softmax(logits);
        double u = random.nextDouble();
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < probabilities.length; i++) {
            if (probabilities[i] > 0) {
                cumulative += probabilities[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    static double[] softmax(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = logits[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private float[] scratch(float[] logits) {
        if (sorted.length != logits.length) {
            sorted = new float[logits.length];
        }
        System.arraycopy(logits, 0, sorted, 0, logits.length);
        return sorted;
    }

    /** Token ids by ascending logit; ties by ascending id, as a stable sort of torch would leave them. */
    private Integer[] order(float[] logits) {
        if (order.length != logits.length) {
            order = new Integer[logits.length];
        }
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(logits[x], logits[y]));
        return order;
    }
}
