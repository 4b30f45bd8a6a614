package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q4_K: super-blocks of 256 = f16 d, f16 dmin, 12 bytes of 6-bit scales and mins ({@link KScales}), 128 bytes
 * of nibbles: for each 64 values, byte l holds value l in its low nibble and value l + 32 in its high one.
 */
final class Q4K implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        byte[] levels = new byte[256]; // (256) levels 0..15 of one super-block
        for (int b = 0; b < n / 256; b++) {
            int at = outOffset + 144 * b;
            KScales.quantizeSuperBlock(x, xOffset + 256 * b, 15, -1.f, 20, out, at, levels);
            int q = at + 16;
            for (int j = 0; j < 256; j += 64) {
                for (int l = 0; l < 32; l++) {
                    out[q + l] = (byte) (levels[j + l] | levels[j + l + 32] << 4);
                }
                q += 32;
            }
        }
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 256; b++) {
            int at = inOffset + 144 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at));
            float dmin = Fp16.toFloat(Fp16.getShort(in, at + 2));
            int q = at + 16;
            int out = yOffset + 256 * b;
            for (int j = 0, is = 0; j < 256; j += 64, is += 2) {
                float d1 = d * KScales.scale(in, at + 4, is);
                float m1 = dmin * KScales.min(in, at + 4, is);
                float d2 = d * KScales.scale(in, at + 4, is + 1);
                float m2 = dmin * KScales.min(in, at + 4, is + 1);
                for (int l = 0; l < 32; l++) {
                    y[out + j + l] = d1 * (in[q + l] & 0xF) - m1;
                    y[out + j + 32 + l] = d2 * ((in[q + l] & 0xFF) >> 4) - m2;
                }
                q += 32;
            }
        }
    }
}
