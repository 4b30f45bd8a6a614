package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q5_1 (llama.cpp's fallback for Q5_K rows that do not split into 256): f16 d = (max - min) / 31 and m = min,
 * a u32 of fifth bits, 16 bytes of low nibbles; q = trunc((x - min) / d + 0.5) (quantize_row_q5_1_ref).
 */
final class Q5_1 implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        for (int b = 0; b < n / 32; b++) {
            int base = xOffset + 32 * b;
            int at = outOffset + 24 * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                float v = x[base + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float d = (max - min) / 31;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.putShort(out, at, Fp16.fromFloat(d));
            Fp16.putShort(out, at + 2, Fp16.fromFloat(min));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = ((int) ((x[base + j] - min) * id + 0.5f)) & 0xFF;
                int q1 = ((int) ((x[base + 16 + j] - min) * id + 0.5f)) & 0xFF;
                out[at + 8 + j] = (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            Q5_0.putInt(out, at + 4, qh);
        }
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 32; b++) {
            int at = inOffset + 24 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            float m = Fp16.toFloat(Fp16.getShort(in, at + 2));
            int qh = Q5_0.getInt(in, at + 4);
            for (int j = 0; j < 16; j++) {
                int q = in[at + 8 + j] & 0xFF;
                int x0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int x1 = (q >> 4) | ((qh >>> (j + 16)) & 1) << 4;
                y[yOffset + 32 * b + j] = x0 * d + m;
                y[yOffset + 32 * b + 16 + j] = x1 * d + m;
            }
        }
    }
}
