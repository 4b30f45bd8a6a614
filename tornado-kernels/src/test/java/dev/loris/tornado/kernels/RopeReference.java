package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;

/**
 * The host references (and tolerances) that {@link Rope}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class RopeReference {
    private RopeReference() {
    }

    private static float roundToBf16(float v) {
        return TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(v));
    }

    /** One pair's rule in a reference: element {@code at} and {@code at + half}, the table's f32 c and s. */
    private interface PairRule {
        void apply(int at, int half, float c, float s);
    }

    /**
     * Calls {@code rule} on every pair of a tensor (tokens, heads * headDim), tokens = positions.length, the pairs
     * lying in the first rotaryDim values of each head.
     */
    private static void forEachPair(int heads, int headDim, int rotaryDim, int[] positions, float[] cos, float[] sin,
                                    PairRule rule) {
        int half = rotaryDim / 2;
        for (int t = 0; t < positions.length; t++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < half; i++) {
                    int angle = positions[t] * half + i;
                    rule.apply((t * heads + h) * headDim + i, half, cos[angle], sin[angle]);
                }
            }
        }
    }

    /**
     * HF's f32 forward on one tensor (tokens, heads * headDim) of f32 values, the first rotaryDim of each head
     * rotated and the rest copied; returns a new array.
     */
    public static float[] forwardReference(float[] x, int heads, int headDim, int rotaryDim, int[] positions,
                                           float[] cos, float[] sin) {
        float[] y = x.clone();
        forEachPair(heads, headDim, rotaryDim, positions, cos, sin, (at, half, c, s) -> {
            y[at] = x[at] * c + -x[at + half] * s;
            y[at + half] = x[at + half] * c + x[at] * s;
        });
        return y;
    }

    /** Autograd's f32 backward of {@link #forwardReference}: dx from dy, as derived in the class comment. */
    public static float[] backwardReference(float[] dy, int heads, int headDim, int rotaryDim, int[] positions,
                                            float[] cos, float[] sin) {
        float[] dx = dy.clone();
        forEachPair(heads, headDim, rotaryDim, positions, cos, sin, (at, half, c, s) -> {
            dx[at] = dy[at] * c + dy[at + half] * s;
            dx[at + half] = dy[at + half] * c - dy[at] * s;
        });
        return dx;
    }

    /** HF's bf16 forward chain on raw bf16 bits; returns new bits. */
    public static short[] forwardBf16Reference(short[] x, int heads, int headDim, int rotaryDim, int[] positions,
                                               float[] cos, float[] sin) {
        short[] y = x.clone();
        forEachPair(heads, headDim, rotaryDim, positions, cos, sin, (at, half, cosF32, sinF32) -> {
            float c = roundToBf16(cosF32);
            float s = roundToBf16(sinF32);
            float x1 = TornadoMath.bfloat16ToFloat(x[at]);
            float x2 = TornadoMath.bfloat16ToFloat(x[at + half]);
            y[at] = TornadoMath.floatToBfloat16(roundToBf16(x1 * c) + roundToBf16(-x2 * s));
            y[at + half] = TornadoMath.floatToBfloat16(roundToBf16(x2 * c) + roundToBf16(x1 * s));
        });
        return y;
    }

    /**
     * Autograd's bf16 backward chain on raw bits: q*cos gives bf16(dy*c); rotate_half(q)*sin gives bf16(dy*s),
     * routed back through rotate_half's cat/neg/slices to bf16(dy[i+h]*s) for element i and -bf16(dy[i]*s) for
     * element i+h; the two contributions add in bf16.
     */
    public static short[] backwardBf16Reference(short[] dy, int heads, int headDim, int rotaryDim, int[] positions,
                                                float[] cos, float[] sin) {
        short[] dx = dy.clone();
        forEachPair(heads, headDim, rotaryDim, positions, cos, sin, (at, half, cosF32, sinF32) -> {
            float c = roundToBf16(cosF32);
            float s = roundToBf16(sinF32);
            float g1 = TornadoMath.bfloat16ToFloat(dy[at]);
            float g2 = TornadoMath.bfloat16ToFloat(dy[at + half]);
            dx[at] = TornadoMath.floatToBfloat16(roundToBf16(g1 * c) + roundToBf16(g2 * s));
            dx[at + half] = TornadoMath.floatToBfloat16(roundToBf16(g2 * c) - roundToBf16(g1 * s));
        });
        return dx;
    }
}
