package dev.loris.train.data;

import dev.loris.LorisException;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The held-out evaluation split and the per-epoch training order, both functions of the seed only (and the
 * cache's content), so a resumed run sees exactly the batches an uninterrupted one would.
 *
 * <p>Eval examples are the first k of a seeded permutation of the usable examples (sorted back into file
 * order); the training examples are the rest, in file order. Epoch e trains them in the order of a
 * Fisher-Yates shuffle driven by {@link SplittableRandom} (whose sequence Java specifies) seeded from
 * (seed, e), or in file order without shuffling.
 */
public final class DataSplit {
    private static final long EVAL_STREAM = 0x5EED_E7A1L;
    private static final long EPOCH_STREAM = 0x5EED_0E0CL;

    private final int[] train;
    private final int[] eval;
    private final long seed;
    private final boolean shuffle;

    private DataSplit(int[] train, int[] eval, long seed, boolean shuffle) {
        this.train = train;
        this.eval = eval;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /**
     * Splits {@code usable} example indices: {@code evalCount} of them held out when above 0, else
     * round(evalFraction x usable) (at least one when the fraction is above 0).
     */
    public static DataSplit of(int[] usable, double evalFraction, int evalCount, long seed, boolean shuffle) {
        int n = usable.length;
        int k = evalCount > 0 ? evalCount : evalFraction > 0 ? Math.max(1, (int) Math.round(evalFraction * n)) : 0;
        if (k >= n && k > 0) {
            throw new LorisException("the eval split asks for " + k + " of " + n + " examples",
                    "hold out fewer, so some are left to train on");
        }
        int[] order = usable.clone();
        permute(order, new SplittableRandom(mix(seed, EVAL_STREAM)));
        int[] eval = Arrays.copyOf(order, k);
        Arrays.sort(eval);
        int[] train = new int[n - k];
        int at = 0;
        for (int index : usable) {
            if (Arrays.binarySearch(eval, index) < 0) {
                train[at++] = index;
            }
        }
        return new DataSplit(train, eval, seed, shuffle);
    }

    /** Training examples (cache indices) in epoch {@code epoch}'s order. */
    public int[] epochOrder(int epoch) {
        int[] order = train.clone();
        if (shuffle) {
            permute(order, new SplittableRandom(mix(mix(seed, EPOCH_STREAM), epoch)));
        }
        return order;
    }

    /** Held-out examples (cache indices), in file order. */
    public int[] evalExamples() {
        return eval.clone();
    }

    public int trainSize() {
        return train.length;
    }

    public int evalSize() {
        return eval.length;
    }

    private static void permute(int[] values, SplittableRandom random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** SplitMix64's finaliser over (a, b): independent streams for independent purposes. */
    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
