package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/**
 * Q6_K: super-blocks of 256 = 128 bytes ql (low 4 bits), 64 bytes qh (high 2 bits), 16 int8 scales (one per
 * 16 values, against the largest by magnitude: iscale = -128 / max), f16 d (quantize_row_q6_K_ref).
 */
final class Q6K implements BlockQuantizer {
    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        byte[] levels = new byte[256]; // (256) levels 0..63 of one super-block
        float[] scales = new float[16]; // (16) scale per 16 values
        for (int b = 0; b < n / 256; b++) {
            int xo = xOffset + 256 * b;
            int at = outOffset + 210 * b;
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ib++) {
                float scale = KQuantSearch.makeQxQuants(16, 32, x, xo + 16 * ib, levels, 16 * ib);
                scales[ib] = scale;
                float abs = Math.abs(scale);
                if (abs > maxAbsScale) {
                    maxAbsScale = abs;
                    maxScale = scale;
                }
            }
            if (maxAbsScale < KQuantSearch.GROUP_MAX_EPS) {
                java.util.Arrays.fill(out, at, at + 210, (byte) 0);
                continue;
            }
            float iscale = -128.f / maxScale;
            short d = Fp16.fromFloat(1 / iscale);
            Fp16.putShort(out, at + 208, d);
            for (int ib = 0; ib < 16; ib++) {
                out[at + 192 + ib] = (byte) Math.min(127, KQuantSearch.nearestInt(iscale * scales[ib]));
            }
            for (int j = 0; j < 16; j++) {
                float dj = Fp16.toFloat(d) * out[at + 192 + j];
                if (dj == 0) {
                    continue;
                }
                for (int ii = 0; ii < 16; ii++) {
                    int l = KQuantSearch.nearestInt(x[xo + 16 * j + ii] / dj);
                    levels[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                }
            }
            int ql = at;
            int qh = at + 128;
            for (int j = 0; j < 256; j += 128) {
                for (int l = 0; l < 32; l++) {
                    int q1 = levels[j + l] & 0xF;
                    int q2 = levels[j + l + 32] & 0xF;
                    int q3 = levels[j + l + 64] & 0xF;
                    int q4 = levels[j + l + 96] & 0xF;
                    out[ql + l] = (byte) (q1 | q3 << 4);
                    out[ql + l + 32] = (byte) (q2 | q4 << 4);
                    out[qh + l] = (byte) ((levels[j + l] >> 4) | (levels[j + l + 32] >> 4) << 2
                            | (levels[j + l + 64] >> 4) << 4 | (levels[j + l + 96] >> 4) << 6);
                }
                ql += 64;
                qh += 32;
            }
        }
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int b = 0; b < n / 256; b++) {
            int at = inOffset + 210 * b;
            float d = Fp16.toFloat(Fp16.getShort(in, at + 208));
            int ql = at;
            int qh = at + 128;
            int sc = at + 192;
            int out = yOffset + 256 * b;
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = in[qh + l] & 0xFF;
                    int q1 = ((in[ql + l] & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((in[ql + l + 32] & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = (((in[ql + l] & 0xFF) >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = (((in[ql + l + 32] & 0xFF) >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    y[out + l] = d * in[sc + is] * q1;
                    y[out + l + 32] = d * in[sc + is + 2] * q2;
                    y[out + l + 64] = d * in[sc + is + 4] * q3;
                    y[out + l + 96] = d * in[sc + is + 6] * q4;
                }
                out += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
