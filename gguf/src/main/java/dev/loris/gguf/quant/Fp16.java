package dev.loris.gguf.quant;

/**
 * ggml's float conversions: f32 to f16 rounds to nearest, ties to even (ggml_compute_fp32_to_fp16), a NaN
 * becoming the quiet NaN 0x7E00 with its sign; f32 to bf16 rounds to nearest even with NaN quieted
 * (ggml_compute_fp32_to_bf16). Widening is exact.
 */
public final class Fp16 {
    private Fp16() {
    }

    public static short fromFloat(float x) {
        if (Float.isNaN(x)) {
            return (short) (((Float.floatToRawIntBits(x) >>> 16) & 0x8000) | 0x7E00);
        }
        return Float.floatToFloat16(x);
    }

    public static float toFloat(short half) {
        return Float.float16ToFloat(half);
    }

    /** {@code x} rounded through f16 and back, as the quantisers use their stored scales. */
    public static float round(float x) {
        return toFloat(fromFloat(x));
    }

    public static short bf16FromFloat(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    static void putShort(byte[] out, int at, short v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >> 8);
    }

    static short getShort(byte[] in, int at) {
        return (short) ((in[at] & 0xFF) | (in[at + 1] << 8));
    }
}
