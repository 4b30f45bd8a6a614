package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q4_0: blocks of 32 as an f16 scale d = max / -8 (max the value of largest magnitude, first one on ties) and
 * 16 bytes of nibbles q = min(15, trunc(x / d + 8.5)); element j in the low nibble of byte j, element j + 16
 * in its high nibble (quantize_row_q4_0_ref). Float arithmetic without fused multiply-add, as the reference.
 */
final class Q4_0 implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        for (int b = 0; b < n / 32; b++) {
            int base = xOffset + 32 * b;
            int at = outOffset + 18 * b;
            float max = signedMax(x, base);
            float d = max / -8;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.putShort(out, at, Fp16.fromFloat(d));
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (byte) (int) (x[base + j] * id + 8.5f));
                int q1 = Math.min(15, (byte) (int) (x[base + 16 + j] * id + 8.5f));
                out[at + 2 + j] = (byte) (q0 | q1 << 4);
            }
        }
    }

    /**
     * The value of largest magnitude among the 32 at {@code x[base]}, with its sign; the first one on ties
     * (the reference's strict comparison). Q4_0 and Q5_0 scale by it.
     */
    static float signedMax(float[] x, int base) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[base + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 32; b++) {
            int at = inOffset + 18 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            for (int j = 0; j < 16; j++) {
                int q = in[at + 2 + j] & 0xFF;
                y[yOffset + 32 * b + j] = ((q & 0xF) - 8) * d;
                y[yOffset + 32 * b + 16 + j] = ((q >> 4) - 8) * d;
            }
        }
    }
}
