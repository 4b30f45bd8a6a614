package dev.loris.train.optim;

import java.util.Arrays;

/**
 * The 256-value quantisation maps of 8-bit optimizer states, in the shape of bitsandbytes'
 * {@code create_dynamic_map} ("dynamic tree" quantisation, Dettmers 2016/2021): values in [-1, 1] (signed, for
 * AdamW's m) or [0, 1] (unsigned, for v), dense near 0 and sparse near 1, so a block scaled by its absmax keeps
 * small values with a relative error instead of flushing them to 0.
 *
 * <p>Construction (7 exponent levels, 8 bits): for level i = 0..6 the interval [0.1, 1] is split into
 * 2^i (signed) or 2^(i+1) (unsigned) equal parts; their midpoints, scaled by 10^(i-6), are the level's values
 * (and their negatives, signed). With 0 and 1 that makes 127·2 + 2 = 256 (signed) or 254 + 2 = 256
 * (unsigned) values, sorted ascending, so a quantiser bisects. Computed in double and rounded once to f32;
 * bitsandbytes computes the midpoints in f32 (torch.linspace), so single entries may differ from its table in
 * the last bit, which changes nothing that matters for an optimizer state.
 */
public final class DynamicMap {
    public static final int SIZE = 256;
    private static final int LEVELS = 7;

    private DynamicMap() {
    }

    /** The signed map (m): 256 ascending values from about -0.99 to 1. */
    public static float[] signed() {
        return build(true);
    }

    /** The unsigned map (v): 256 ascending values from 0 to 1. */
    public static float[] unsigned() {
        return build(false);
    }

    private static float[] build(boolean signed) {
        double[] values = new double[SIZE];
        int count = 0;
        for (int level = 0; level < LEVELS; level++) {
            int parts = signed ? 1 << level : 1 << (level + 1);
            double scale = Math.pow(10, level - (LEVELS - 1));
            for (int k = 0; k < parts; k++) {
                double low = 0.1 + 0.9 * k / parts;
                double high = 0.1 + 0.9 * (k + 1) / parts;
                double mid = scale * (low + high) / 2;
                values[count++] = mid;
                if (signed) {
                    values[count++] = -mid;
                }
            }
        }
        values[count++] = 0;
        values[count++] = 1;
        if (count != SIZE) {
            throw new IllegalStateException("the dynamic map has " + count + " values, not " + SIZE);
        }
        Arrays.sort(values);
        float[] map = new float[SIZE];
        for (int i = 0; i < SIZE; i++) {
            map[i] = (float) values[i];
        }
        return map;
    }

    /**
     * The index of the map value nearest x (the lower one on a tie), by bisection over the ascending map: what
     * the 8-bit kernel computes, on the host.
     */
    public static int nearest(float[] map, float x) {
        int index = 0;
        for (int step = SIZE / 2; step > 0; step >>= 1) {
            if (map[index + step] <= x) {
                index += step;
            }
        }
        if (index < SIZE - 1 && map[index + 1] - x < x - map[index]) {
            index++;
        }
        return index;
    }
}
