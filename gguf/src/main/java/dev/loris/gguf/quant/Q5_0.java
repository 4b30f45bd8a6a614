package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q5_0 (llama.cpp's fallback for Q4_K rows that do not split into 256): an f16 d = max / -16, a u32 of fifth
 * bits, 16 bytes of low nibbles; q = min(31, trunc(x / d + 16.5)) (quantize_row_q5_0_ref).
 */
final class Q5_0 implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        for (int b = 0; b < n / 32; b++) {
            int base = xOffset + 32 * b;
            int at = outOffset + 22 * b;
            float max = Q4_0.signedMax(x, base);
            float d = max / -16;
            float id = d != 0 ? 1.0f / d : 0.0f;
            Fp16.putShort(out, at, Fp16.fromFloat(d));
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (byte) (int) (x[base + j] * id + 16.5f)) & 0xFF;
                int q1 = Math.min(31, (byte) (int) (x[base + 16 + j] * id + 16.5f)) & 0xFF;
                out[at + 6 + j] = (byte) ((q0 & 0x0F) | (q1 & 0x0F) << 4);
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            putInt(out, at + 2, qh);
        }
    }

    static void putInt(byte[] out, int at, int v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >> 8);
        out[at + 2] = (byte) (v >> 16);
        out[at + 3] = (byte) (v >> 24);
    }

    static int getInt(byte[] in, int at) {
        return (in[at] & 0xFF) | (in[at + 1] & 0xFF) << 8 | (in[at + 2] & 0xFF) << 16 | (in[at + 3] & 0xFF) << 24;
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 32; b++) {
            int at = inOffset + 22 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            int qh = getInt(in, at + 2);
            for (int j = 0; j < 16; j++) {
                int q = in[at + 6 + j] & 0xFF;
                int x0 = (q & 0xF) | ((qh >>> j) & 1) << 4;
                int x1 = (q >> 4) | ((qh >>> (j + 16)) & 1) << 4;
                y[yOffset + 32 * b + j] = (x0 - 16) * d;
                y[yOffset + 32 * b + 16 + j] = (x1 - 16) * d;
            }
        }
    }
}
