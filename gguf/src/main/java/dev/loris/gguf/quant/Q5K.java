package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q5_K: as Q4_K with 5-bit levels: d, dmin, 12 scale bytes, 32 bytes qh of fifth bits (value 64c + l sets
 * bit 2c of qh[l], value 64c + 32 + l bit 2c + 1), 128 bytes of low nibbles laid out as Q4_K's.
 */
final class Q5K implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        byte[] levels = new byte[256]; // (256) levels 0..31 of one super-block
        for (int b = 0; b < n / 256; b++) {
            int at = outOffset + 176 * b;
            KScales.quantizeSuperBlock(x, xOffset + 256 * b, 31, -0.5f, 15, out, at, levels);
            int qh = at + 16;
            int ql = at + 48;
            for (int j = 0; j < 32; j++) {
                out[qh + j] = 0;
            }
            int m1 = 1;
            int m2 = 2;
            for (int c = 0; c < 256; c += 64) {
                for (int j = 0; j < 32; j++) {
                    int l1 = levels[c + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        out[qh + j] |= (byte) m1;
                    }
                    int l2 = levels[c + j + 32];
                    if (l2 > 15) {
                        l2 -= 16;
                        out[qh + j] |= (byte) m2;
                    }
                    out[ql + j] = (byte) (l1 | l2 << 4);
                }
                m1 <<= 2;
                m2 <<= 2;
                ql += 32;
            }
        }
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 256; b++) {
            int at = inOffset + 176 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            float dmin = Fp16.toFloat(Fp16.getShort(in, at + 2));
            int qh = at + 16;
            int ql = at + 48;
            int out = yOffset + 256 * b;
            int u1 = 1;
            int u2 = 2;
            for (int j = 0, is = 0; j < 256; j += 64, is += 2) {
                float d1 = d * KScales.scale(in, at + 4, is);
                float m1 = dmin * KScales.min(in, at + 4, is);
                float d2 = d * KScales.scale(in, at + 4, is + 1);
                float m2 = dmin * KScales.min(in, at + 4, is + 1);
                for (int l = 0; l < 32; l++) {
                    int h = in[qh + l] & 0xFF;
                    y[out + j + l] = d1 * ((in[ql + l] & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                    y[out + j + 32 + l] = d2 * (((in[ql + l] & 0xFF) >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
                ql += 32;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }
}
