package dev.loris.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed 8-bit dynamic code (functional.py create_dynamic_map(signed=True, max_exponent_bits=7,
 * total_bits=8)), the code double quantisation stores absmax in, and its quantiser (kernels.cu dQuantize<0>).
 *
 * <p>The 256 values are built the way torch builds them: for exponent i = 0..6, torch.linspace(0.1, 1,
 * 2^i + 1) in float32 (RangeFactoriesKernel.cpp's serial loop: start + step*k below the halfway point,
 * end - step*(steps-k-1) from it; x86 builds contract each into an fma, and an older bitsandbytes comment lists
 * map values only the fused form gives), the means of neighbours, times float32(10^(i-6)), both signs, then 0
 * and 1, sorted. bnb_reference_torch.py checks the table against torch itself on the GPU machine.
 *
 * <p>The quantiser is the CUDA binary search, not a nearest-value search: seven halvings from index 127, then
 * a midpoint test against the neighbour on the side x lies ({@code x > midpoint} upwards, {@code x < midpoint}
 * downwards, ties stay). A NaN walks down to code 0.
 */
public final class DynamicMap {
    /** 10^(i-6) for i = 0..6, as the doubles Python's 10 ** (i - 6) gives; torch rounds them to float32. */
    private static final double[] SCALES = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
    private static final float[] CODE = create();

    private DynamicMap() {
    }

    /** A copy of the 256 values, ascending (what bitsandbytes stores as nested_quant_map). */
    public static float[] code() {
        return CODE.clone();
    }

    /** The 256 values of create_dynamic_map(), computed as torch computes them. */
    static float[] create() {
        float[] values = new float[256];
        int at = 0;
        for (int i = 0; i < 7; i++) {
            float[] boundaries = linspace(0.1f, 1f, (1 << i) + 1);
            float scale = (float) SCALES[i];
            for (int k = 0; k + 1 < boundaries.length; k++) {
                float mean = (boundaries[k] + boundaries[k + 1]) / 2f;
                values[at++] = scale * mean;
                values[at++] = -scale * mean;
            }
        }
        values[at++] = 0f;
        values[at] = 1f;
        Arrays.sort(values);
        return values;
    }

    /** torch.linspace(start, end, steps) in float32 on the CPU, with its loop's multiply-adds fused. */
    private static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float[] out = new float[steps];
        for (int k = 0; k < steps; k++) {
            out[k] = k < halfway ? Math.fma(step, (float) k, start) : Math.fma(-step, (float) (steps - k - 1), end);
        }
        return out;
    }

    /** dQuantize<0>(code, x): the index bitsandbytes' CUDA quantiser stores for x (already scaled by 1/absmax). */
    public static int encode(float[] code, float x) {
        int pivot = 127;
        int upperPivot = 255;
        int lowerPivot = 0;
        float lower = -1f;
        float upper = 1f;
        float val = code[pivot];
        for (int i = 64; i > 0; i >>= 1) {
            if (x > val) {
                lowerPivot = pivot;
                lower = val;
                pivot += i;
            } else {
                upperPivot = pivot;
                upper = val;
                pivot -= i;
            }
            val = code[pivot];
        }
        if (upperPivot == 255) {
            upper = code[upperPivot];
        }
        if (lowerPivot == 0) {
            lower = code[lowerPivot];
        }
        if (x > val) {
            return x > (upper + val) * 0.5f ? upperPivot : pivot;
        }
        return x < (lower + val) * 0.5f ? lowerPivot : pivot;
    }

    /** {@link #encode(float[], float)} with this table. */
    public static int encode(float x) {
        return encode(CODE, x);
    }
}
