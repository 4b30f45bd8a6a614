package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link GemmaRmsNorm}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class GemmaRmsNormReference {
    private GemmaRmsNormReference() {
    }

    /** The f32 output given each row's inverse RMS, unrounded (round it to bf16 for the bf16 kernel's). */
    public static float[] forwardReference(float[] x, float[] weight, float[] inverseRms) {
        int cols = weight.length;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inverseRms[i / cols] * (1f + weight[i % cols]);
        }
        return out;
    }

    /** g = dOut * (1 + w) per element, in double from the f32 (1 + w), for RmsNormBackward's dX reference. */
    public static double[] weightedGradientReference(float[] dOut, float[] weight) {
        int cols = weight.length;
        double[] g = new double[dOut.length];
        for (int i = 0; i < dOut.length; i++) {
            g[i] = (double) dOut[i] * (1f + weight[i % cols]);
        }
        return g;
    }

    /** dW in double: sum over rows of dOut * x * inv. */
    public static double[] weightGradientReference(float[] x, float[] dOut, float[] inverseRms) {
        int cols = x.length / inverseRms.length;
        double[] dW = new double[cols];
        for (int i = 0; i < x.length; i++) {
            dW[i % cols] += (double) dOut[i] * x[i] * inverseRms[i / cols];
        }
        return dW;
    }
}
