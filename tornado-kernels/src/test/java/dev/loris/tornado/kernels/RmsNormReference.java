package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;

/**
 * The host references (and tolerances) that {@link RmsNorm}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class RmsNormReference {
    private RmsNormReference() {
    }

    /** The exact inverse RMS of each row (double sums, rounded once), what the kernels' f32 one approximates. */
    public static float[] inverseRmsReference(float[] x, int cols, float eps) {
        float[] inv = new float[x.length / cols];
        for (int r = 0; r < inv.length; r++) {
            double squares = 0;
            for (int c = 0; c < cols; c++) {
                squares += (double) x[r * cols + c] * x[r * cols + c];
            }
            inv[r] = (float) (1 / Math.sqrt(squares / cols + eps));
        }
        return inv;
    }

    /** The bf16 output given each row's inverse RMS, as raw bits. */
    public static short[] forwardBf16Reference(float[] x, float[] weight, float[] inverseRms) {
        int cols = weight.length;
        short[] out = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            short normalised = TornadoMath.floatToBfloat16(x[i] * inverseRms[i / cols]);
            out[i] = TornadoMath.floatToBfloat16(weight[i % cols] * TornadoMath.bfloat16ToFloat(normalised));
        }
        return out;
    }

    /** The f32 output given each row's inverse RMS. */
    public static float[] forwardReference(float[] x, float[] weight, float[] inverseRms) {
        int cols = weight.length;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = weight[i % cols] * (x[i] * inverseRms[i / cols]);
        }
        return out;
    }
}
