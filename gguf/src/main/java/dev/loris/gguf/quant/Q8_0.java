package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q8_0: blocks of 32 as an f16 scale d = max|x| / 127 and 32 int8 q = round(x / d), rounded half away from
 * zero (C's roundf), as quantize_row_q8_0_ref.
 */
final class Q8_0 implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        for (int b = 0; b < n / 32; b++) {
            int base = xOffset + 32 * b;
            int at = outOffset + 34 * b;
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[base + j]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.putShort(out, at, Fp16.fromFloat(d));
            for (int j = 0; j < 32; j++) {
                out[at + 2 + j] = (byte) roundHalfAway(x[base + j] * id);
            }
        }
    }

    /** C's roundf: halves away from zero (in double, so |x| + 0.5 is exact). */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 32; b++) {
            int at = inOffset + 34 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            for (int j = 0; j < 32; j++) {
                y[yOffset + 32 * b + j] = in[at + 2 + j] * d;
            }
        }
    }
}
