package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;

/**
 * The host references (and tolerances) that {@link RmsNormBackward}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class RmsNormBackwardReference {
    private RmsNormBackwardReference() {
    }

    /**
     * g = dOut * w per element, as the kernels form it: f32 products, or bf16 products when {@code bf16}
     * (then dOut and w must hold bf16 values).
     */
    public static double[] weightedGradientReference(float[] dOut, float[] weight, boolean bf16) {
        int cols = weight.length;
        double[] g = new double[dOut.length];
        for (int i = 0; i < dOut.length; i++) {
            float product = dOut[i] * weight[i % cols];
            g[i] = bf16 ? TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(product)) : product;
        }
        return g;
    }

    /** dX in double, from g (see {@link #weightedGradientReference}), x and each row's inverse RMS. */
    public static double[] inputGradientReference(double[] g, double[] x, double[] inverseRms) {
        int cols = x.length / inverseRms.length;
        double[] dX = new double[x.length];
        for (int r = 0; r < inverseRms.length; r++) {
            double inv = inverseRms[r];
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += g[r * cols + c] * x[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                dX[r * cols + c] = inv * g[r * cols + c] - x[r * cols + c] * inv * inv * inv * dot / cols;
            }
        }
        return dX;
    }

    /** dW in double: sum over rows of dOut * h, h = x * inv, rounded to bf16 when {@code bf16} as the kernel. */
    public static double[] weightGradientReference(float[] x, float[] dOut, float[] inverseRms, boolean bf16) {
        int cols = x.length / inverseRms.length;
        double[] dW = new double[cols];
        for (int i = 0; i < x.length; i++) {
            float h = x[i] * inverseRms[i / cols];
            dW[i % cols] += (double) dOut[i] * (bf16 ? TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(h)) : h);
        }
        return dW;
    }
}
