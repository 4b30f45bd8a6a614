package dev.loris.gguf.quant;

import dev.loris.gguf.GgmlType;

/** F32, F16 and BF16 rows, little-endian, with ggml's rounding (see {@link Fp16}). */
final class FloatTypes implements BlockQuantizer {
    private final GgmlType type;

    FloatTypes(GgmlType type) {
        this.type = type;
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public void quantize(float[] x, int xOffset, int n, byte[] out, int outOffset) {
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            switch (type) {
                case F32 -> {
                    int bits = Float.floatToRawIntBits(v);
                    int at = outOffset + 4 * i;
                    out[at] = (byte) bits;
                    out[at + 1] = (byte) (bits >> 8);
                    out[at + 2] = (byte) (bits >> 16);
                    out[at + 3] = (byte) (bits >> 24);
                }
                case F16 -> Fp16.putShort(out, outOffset + 2 * i, Fp16.fromFloat(v));
                default -> Fp16.putShort(out, outOffset + 2 * i, Fp16.bf16FromFloat(v));
            }
        }
    }

    @Override
    public void dequantize(byte[] in, int inOffset, int n, float[] y, int yOffset) {
        for (int i = 0; i < n; i++) {
            y[yOffset + i] = switch (type) {
                case F32 -> {
                    int at = inOffset + 4 * i;
                    yield Float.intBitsToFloat((in[at] & 0xFF) | (in[at + 1] & 0xFF) << 8
                            | (in[at + 2] & 0xFF) << 16 | (in[at + 3] & 0xFF) << 24);
                }
                case F16 -> Fp16.toFloat(Fp16.getShort(in, inOffset + 2 * i));
                default -> Fp16.bf16ToFloat(Fp16.getShort(in, inOffset + 2 * i));
            };
        }
    }
}
