package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link CrossEntropy}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class CrossEntropyReference {
    private CrossEntropyReference() {
    }

    /** logsumexp of each row in double. */
    public static double[] logSumExpReference(float[] logits, int vocab) {
        double[] lse = new double[logits.length / vocab];
        for (int r = 0; r < lse.length; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < vocab; c++) {
                max = Math.max(max, logits[r * vocab + c]);
            }
            double sum = 0;
            for (int c = 0; c < vocab; c++) {
                sum += Math.exp(logits[r * vocab + c] - max);
            }
            lse[r] = max + Math.log(sum);
        }
        return lse;
    }

    /** Per-token losses in double (0 for ignored tokens). */
    public static double[] lossReference(float[] logits, int[] labels, int vocab) {
        double[] lse = logSumExpReference(logits, vocab);
        double[] losses = new double[labels.length];
        for (int t = 0; t < labels.length; t++) {
            losses[t] = isTarget(labels[t], vocab) ? lse[t] - logits[t * vocab + labels[t]] : 0;
        }
        return losses;
    }

    /** The gradients the kernels write, in double: (softmax - onehot) * scale, zero rows for ignored tokens. */
    public static double[] gradientReference(float[] logits, int[] labels, int vocab, float scale) {
        double[] lse = logSumExpReference(logits, vocab);
        double[] gradients = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            int t = i / vocab;
            if (isTarget(labels[t], vocab)) {
                double probability = Math.exp(logits[i] - lse[t]);
                gradients[i] = (i % vocab == labels[t] ? probability - 1 : probability) * scale;
            }
        }
        return gradients;
    }

    private static boolean isTarget(int label, int vocab) {
        return label >= 0 && label < vocab;
    }
}
