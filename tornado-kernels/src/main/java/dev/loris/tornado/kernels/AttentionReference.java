package dev.loris.tornado.kernels;

/**
 * Causal GQA attention over packed sequences in plain Java and double precision, straight from the
 * definitions: what AttentionForward and AttentionBackward are tested against (layout: AttentionShape). Slow
 * (each query row's scores are computed and kept in full) and meant for tests and small problems only.
 *
 * <p>Besides each result, the references return its magnitude: the same sum over absolute values of the
 * terms (for a gradient, with the error scale of the factors it multiplies). An f32 computation of a sum of
 * n terms is off by about (n * 2^-24) times that magnitude, not times the result, which may cancel to nearly
 * zero (dQ of a query that sees only itself is exactly zero), so tolerances are stated against magnitudes.
 */
public final class AttentionReference {
    /** Forward outputs, (tokens, heads * headDim) and (tokens, heads), with each output's magnitude sum |p v|. */
    public record Forward(double[] out, double[] logSumExp, double[] outMagnitude) {
    }

    /** Gradients with the shapes of Q, K and V, and their magnitudes. */
    public record Gradients(double[] dq, double[] dk, double[] dv, double[] dqMagnitude, double[] dkMagnitude,
                            double[] dvMagnitude) {
    }

    private AttentionReference() {
    }

    public static Forward forward(AttentionShape shape, int[] sequenceStart, double[] q, double[] k, double[] v,
                                  double scale) {
        return forward(shape, sequenceStart, q, k, v, scale, 0, 0);
    }

    /**
     * As above with Gemma's options: only keys with query - key &lt; window visible (all when 0), scores soft-capped
     * to cap * tanh(score / cap) (none when 0).
     */
    public static Forward forward(AttentionShape shape, int[] sequenceStart, double[] q, double[] k, double[] v,
                                  double scale, int window, double softCap) {
        int dim = shape.headDim();
        double[] out = new double[shape.tokens() * shape.heads() * dim];
        double[] magnitude = new double[out.length];
        double[] logSumExp = new double[shape.tokens() * shape.heads()];
        for (int t = 0; t < shape.tokens(); t++) {
            for (int h = 0; h < shape.heads(); h++) {
                int first = sequenceStart[t];
                int row = t * shape.heads() + h;
                double[] p = scores(shape, q, k, t, h, first, scale, window, softCap);
                double max = Double.NEGATIVE_INFINITY;
                for (double score : p) {
                    max = Math.max(max, score);
                }
                double sum = 0;
                for (int j = 0; j < p.length; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                logSumExp[row] = max + Math.log(sum);
                for (int j = 0; j < p.length; j++) {
                    int value = kvRow(shape, first + j, h) * dim;
                    for (int d = 0; d < dim; d++) {
                        out[row * dim + d] += p[j] / sum * v[value + d];
                        magnitude[row * dim + d] += p[j] / sum * Math.abs(v[value + d]);
                    }
                }
            }
        }
        return new Forward(out, logSumExp, magnitude);
    }

    /**
     * The gradients of sum(out * dOut) with respect to Q, K and V, FlashAttention's way: from the given out
     * (for the row dots delta = dOut . out) and log-sum-exp (for the probabilities), as the kernels compute them.
     * Given the exact forward, these are the exact gradients.
     */
    public static Gradients backward(AttentionShape shape, int[] sequenceStart, double[] q, double[] k, double[] v,
                                     double[] out, double[] dOut, double[] logSumExp, double scale) {
        return backward(shape, sequenceStart, q, k, v, out, dOut, logSumExp, scale, 0, 0);
    }

    /** As above with the window and soft-cap of {@link #forward(AttentionShape, int[], double[], double[], double[],
     * double, int, double)}: the cap's derivative 1 - tanh^2 joins the chain. */
    public static Gradients backward(AttentionShape shape, int[] sequenceStart, double[] q, double[] k, double[] v,
                                     double[] out, double[] dOut, double[] logSumExp, double scale, int window,
                                     double softCap) {
        int dim = shape.headDim();
        Gradients g = new Gradients(new double[q.length], new double[k.length], new double[v.length],
                new double[q.length], new double[k.length], new double[v.length]);
        for (int t = 0; t < shape.tokens(); t++) {
            for (int h = 0; h < shape.heads(); h++) {
                int row = (t * shape.heads() + h) * dim;
                double delta = dot(dOut, row, out, row, dim, false);
                double deltaMagnitude = dot(dOut, row, out, row, dim, true);
                double[] scores = scores(shape, q, k, t, h, sequenceStart[t], scale, window, softCap);
                for (int j = 0; j < scores.length; j++) {
                    if (scores[j] == Double.NEGATIVE_INFINITY) {
                        continue;
                    }
                    double capDerivative = softCap == 0 ? 1 : 1 - Math.pow(scores[j] / softCap, 2);
                    int key = kvRow(shape, sequenceStart[t] + j, h) * dim;
                    double p = Math.exp(scores[j] - logSumExp[t * shape.heads() + h]);
                    double dScore = p * (dot(dOut, row, v, key, dim, false) - delta) * capDerivative;
                    double dScoreMagnitude = p * (dot(dOut, row, v, key, dim, true) + deltaMagnitude) * capDerivative;
                    for (int d = 0; d < dim; d++) {
                        g.dq[row + d] += scale * dScore * k[key + d];
                        g.dqMagnitude[row + d] += scale * dScoreMagnitude * Math.abs(k[key + d]);
                        g.dk[key + d] += scale * dScore * q[row + d];
                        g.dkMagnitude[key + d] += scale * dScoreMagnitude * Math.abs(q[row + d]);
                        g.dv[key + d] += p * dOut[row + d];
                        g.dvMagnitude[key + d] += p * Math.abs(dOut[row + d]);
                    }
                }
            }
        }
        return g;
    }

    /**
     * softCap(scale * q_t . k_s) of head h for the keys s = first..t of query t's sequence, -inf for those outside
     * the window.
     */
    private static double[] scores(AttentionShape shape, double[] q, double[] k, int t, int h, int first,
                                   double scale, int window, double softCap) {
        int dim = shape.headDim();
        double[] scores = new double[t - first + 1];
        for (int s = first; s <= t; s++) {
            double score = scale * dot(q, (t * shape.heads() + h) * dim, k, kvRow(shape, s, h) * dim, dim, false);
            if (softCap != 0) {
                score = softCap * Math.tanh(score / softCap);
            }
            scores[s - first] = window != 0 && t - s >= window ? Double.NEGATIVE_INFINITY : score;
        }
        return scores;
    }

    /** The row of K and V (token s, the kv head that query head h reads), in head rows. */
    private static int kvRow(AttentionShape shape, int s, int h) {
        return s * shape.kvHeads() + h / (shape.heads() / shape.kvHeads());
    }

    private static double dot(double[] a, int aStart, double[] b, int bStart, int length, boolean absolute) {
        double sum = 0;
        for (int i = 0; i < length; i++) {
            double term = a[aStart + i] * b[bStart + i];
            sum += absolute ? Math.abs(term) : term;
        }
        return sum;
    }
}
