package dev.loris.gguf.quant;

/**
 * The shared part of Q4_K and Q5_K super-blocks of 256: per sub-block of 32 a scale and a min from
 * {@link KQuantSearch#makeQkx2Quants} (weights sqrt(mean x²) + |x|), both quantised to 6 bits against the
 * block's largest (f16 d and dmin), packed into 12 bytes (get_scale_min_k4's layout), then every value
 * quantised again with the rounded scales (quantize_row_q4_K_ref / q5_K_ref).
 */
final class KScales {
    private KScales() {
    }

    /**
     * Fills {@code out[at..at+16)} with d, dmin and the 12 scale bytes and {@code levels[0..256)} with the
     * final levels (0..nmax) of the 256 values at {@code x[xo]}.
     */
    static void quantizeSuperBlock(float[] x, int xo, int nmax, float rmin, int nstep, byte[] out, int at,
                                   byte[] levels) {
        float[] scales = new float[8];   // (8) sub-block scales
        float[] mins = new float[8];     // (8) sub-block mins, negated
        float[] weights = new float[32]; // (32) error weights of one sub-block
        byte[] aux = new byte[32];       // (32) candidate levels
        float[] theMin = new float[1];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int base = xo + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[base + l] * x[base + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[base + l]);
            }
            scales[j] = KQuantSearch.makeQkx2Quants(32, nmax, x, base, weights, levels, 32 * j, theMin, aux,
                    rmin, 0.1f, nstep);
            mins[j] = theMin[0];
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int s = at + 4;
        for (int k = 0; k < 12; k++) {
            out[s + k] = 0;
        }
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, KQuantSearch.nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, KQuantSearch.nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                out[s + j] = (byte) ls;
                out[s + j + 4] = (byte) lm;
            } else {
                out[s + j + 4] = (byte) ((ls & 0xF) | (lm & 0xF) << 4);
                out[s + j - 4] |= (byte) ((ls >> 4) << 6);
                out[s + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short d = Fp16.fromFloat(maxScale / 63.f);
        short dmin = Fp16.fromFloat(maxMin / 63.f);
        Fp16.putShort(out, at, d);
        Fp16.putShort(out, at + 2, dmin);
        for (int j = 0; j < 8; j++) {
            float dj = Fp16.toFloat(d) * scale(out, s, j);
            if (dj == 0) {
                continue;
            }
            float dm = Fp16.toFloat(dmin) * min(out, s, j);
            for (int ii = 0; ii < 32; ii++) {
                int l = KQuantSearch.nearestInt((x[xo + 32 * j + ii] + dm) / dj);
                levels[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }

    /** get_scale_min_k4's scale of sub-block j from the 12 bytes at {@code q[s]}. */
    static int scale(byte[] q, int s, int j) {
        if (j < 4) {
            return q[s + j] & 63;
        }
        return (q[s + j + 4] & 0xF) | ((q[s + j - 4] & 0xFF) >> 6) << 4;
    }

    /** get_scale_min_k4's min of sub-block j. */
    static int min(byte[] q, int s, int j) {
        if (j < 4) {
            return q[s + j + 4] & 63;
        }
        return ((q[s + j + 4] & 0xFF) >> 4) | ((q[s + j] & 0xFF) >> 6) << 4;
    }
}
