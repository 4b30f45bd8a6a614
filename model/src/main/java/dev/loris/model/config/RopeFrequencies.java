package dev.loris.model.config;

/**
 * RoPE inverse frequencies computed the way transformers computes them on the CPU, in float32 with the
 * same operation order, so that cos/sin tables built from them match the reference bit for bit (up to
 * the pow function: torch evaluates {@code base ** x} with SLEEF's powf, documented to 1 ulp; we round
 * the double-precision {@link Math#pow} to float, which is the correctly rounded value in all but rare
 * cases).
 *
 * <p>Torch evaluates {@code scalar / tensor} as {@code tensor.reciprocal() * scalar}, with the Python
 * scalar cast to float32; the code below keeps that shape (a reciprocal, then a product) where
 * transformers writes a division with the scalar on the left.
 */
public final class RopeFrequencies {
    private RopeFrequencies() {
    }

    /**
     * {@code _compute_default_rope_parameters}: inv_freq[i] = 1 / base^((2i as float) / dim), i < dim/2,
     * i.e. {@code 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))}.
     */
    public static float[] standard(double base, int dim) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("RoPE dimension must be even and positive: " + dim);
        }
        float baseF = (float) base;
        float[] inverse = new float[dim / 2];
        for (int i = 0; i < inverse.length; i++) {
            float exponent = (float) (2L * i) / (float) dim;
            float power = (float) Math.pow(baseF, exponent);
            inverse[i] = 1.0f / power;
        }
        return inverse;
    }

    /** {@code _compute_linear_scaling_rope_parameters}: the standard frequencies divided by factor. */
    public static float[] linear(double base, int dim, double factor) {
        float[] inverse = standard(base, dim);
        float factorF = (float) factor;
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = inverse[i] / factorF;
        }
        return inverse;
    }

    /**
     * {@code _compute_llama3_parameters}: wavelen = 2π / inv_freq; wavelen > L/low → inv_freq / factor;
     * wavelen < L/high → inv_freq; otherwise the blend (1 - s) · inv_freq / factor + s · inv_freq with the
     * smooth factor s = (L / wavelen - low) / (high - low), L the original context length.
     */
    public static float[] llama3(double base, int dim, RopeScaling.Llama3 scaling) {
        float[] inverse = standard(base, dim);
        float factor = (float) scaling.factor();
        float low = (float) scaling.lowFreqFactor();
        float high = (float) scaling.highFreqFactor();
        double oldContext = scaling.originalMaxPositionEmbeddings();
        float lowFreqWavelen = (float) (oldContext / scaling.lowFreqFactor());
        float highFreqWavelen = (float) (oldContext / scaling.highFreqFactor());
        float twoPi = (float) (2 * Math.PI);
        float smoothDenominator = (float) (scaling.highFreqFactor() - scaling.lowFreqFactor());
        float[] scaled = new float[inverse.length];
        for (int i = 0; i < inverse.length; i++) {
            float wavelen = (1.0f / inverse[i]) * twoPi;
            float kept = wavelen > lowFreqWavelen ? inverse[i] / factor : inverse[i];
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = ((1.0f / wavelen) * (float) oldContext - low) / smoothDenominator;
                scaled[i] = (1.0f - smooth) * kept / factor + smooth * kept;
            } else {
                scaled[i] = kept;
            }
        }
        return scaled;
    }

    /**
     * {@code _compute_longrope_parameters}: inv_freq[i] = 1 / (factors[i] * base^((2i as float) / dim)), every step
     * in f32 as torch computes {@code 1.0 / (ext_factors * base ** inv_freq_shape)}; {@code factors} are the short or
     * the long ones, dim the rotary dimension.
     */
    public static float[] longRope(double base, int dim, float[] factors) {
        if (dim <= 0 || dim % 2 != 0 || factors.length != dim / 2) {
            throw new IllegalArgumentException(factors.length + " LongRoPE factors for a rotary dimension of " + dim);
        }
        float[] inverse = new float[dim / 2];
        float baseF = (float) base;
        for (int i = 0; i < inverse.length; i++) {
            float power = (float) Math.pow(baseF, (float) (2L * i) / (float) dim);
            inverse[i] = 1.0f / (factors[i] * power);
        }
        return inverse;
    }
}
