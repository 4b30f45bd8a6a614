package dev.loris.lora;

/** Plain f64 references of LoRA's algebra for tests: merged weights and the chain rule through them. */
final class MergeMaths {
    private MergeMaths() {
    }

    /** W (out, in) + s · B (out, r) · A (r, in). */
    static float[] merged(float[] w, float[] a, float[] b, int out, int in, LoraConfig config) {
        int r = config.rank();
        double s = config.scaling();
        float[] result = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += (double) b[o * r + k] * a[k * in + i];
                }
                result[o * in + i] = (float) (w[o * in + i] + s * sum);
            }
        }
        return result;
    }

    /** dA (r, in) = s · Bᵀ · dW. */
    static float[] gradientA(float[] dW, float[] b, int out, int in, LoraConfig config) {
        int r = config.rank();
        float[] result = new float[r * in];
        for (int k = 0; k < r; k++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int o = 0; o < out; o++) {
                    sum += (double) b[o * r + k] * dW[o * in + i];
                }
                result[k * in + i] = (float) (config.scaling() * sum);
            }
        }
        return result;
    }

    /** dB (out, r) = s · dW · Aᵀ. */
    static float[] gradientB(float[] dW, float[] a, int out, int in, LoraConfig config) {
        int r = config.rank();
        float[] result = new float[out * r];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < r; k++) {
                double sum = 0;
                for (int i = 0; i < in; i++) {
                    sum += (double) dW[o * in + i] * a[k * in + i];
                }
                result[o * r + k] = (float) (config.scaling() * sum);
            }
        }
        return result;
    }
}
