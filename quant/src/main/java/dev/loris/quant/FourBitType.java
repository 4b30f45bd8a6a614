package dev.loris.quant;

import dev.loris.LorisException;

/**
 * The two 4-bit codes of bitsandbytes, byte-compatible with its CUDA kernels (csrc/kernels.cu at 95f9af30):
 * the 16 values a code stands for (get_4bit_type, equal bit for bit to the kernels' lookup tables) and the
 * decision trees that choose a code for a value already scaled into [-1, 1] (dQuantizeNF4, dQuantizeFP4).
 *
 * <p>The trees compare with "strictly greater than" float literals, so a value exactly on a threshold takes the
 * lower branch, and a NaN (an all-zero block: 0 * (1 / 0)) answers every test false and gets code 0, as on
 * CUDA. The thresholds are bitsandbytes' literals, not midpoints recomputed here: they are what decides. Java
 * float literals round the decimal once to float32, as C's do (rounding through double would move four of
 * the NF4 pivots by an ulp).
 */
public enum FourBitType {
    /** NormalFloat4: 16 quantiles of N(0, 1), scaled to [-1, 1]; the code is a plain table index. */
    NF4("nf4"),
    /** bitsandbytes' FP4 (sign bit 3, then two exponent bits and one mantissa bit), divided by 12. */
    FP4("fp4");

    /** get_4bit_type("nf4") as float32, index 0..15 (the kernels' table). */
    static final float[] NF4_CODE = {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
            -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
            0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
            0.7229568362236023f, 1.0f};

    /** get_4bit_type("fp4"): {0, 0.0625, 8, 12, 4, 6, 2, 3} / 12, then the same negated (-0 included). */
    static final float[] FP4_CODE = {
            0.0f, 0.0625f / 12, 8f / 12, 12f / 12, 4f / 12, 6f / 12, 2f / 12, 3f / 12,
            -0.0f, -0.0625f / 12, -8f / 12, -12f / 12, -4f / 12, -6f / 12, -2f / 12, -3f / 12};

    private final String bnbName;

    FourBitType(String bnbName) {
        this.bnbName = bnbName;
    }

    /** The name in bitsandbytes' quant_state ("nf4", "fp4"). */
    public String bnbName() {
        return bnbName;
    }

    /** A copy of the 16 values, index = code (bitsandbytes' quant_map). */
    public float[] code() {
        return (this == NF4 ? NF4_CODE : FP4_CODE).clone();
    }

    /** The value code {@code code} (0..15) stands for. */
    public float value(int code) {
        return (this == NF4 ? NF4_CODE : FP4_CODE)[code];
    }

    /** The code bitsandbytes' CUDA quantiser gives {@code scaled} = x * (1 / absmax). */
    public int encode(float scaled) {
        return this == NF4 ? encodeNf4(scaled) : encodeFp4(scaled);
    }

    /** The type bitsandbytes calls {@code name}; {@code tensor} names what is being read, for the error. */
    public static FourBitType fromBnbName(String name, String tensor) {
        for (FourBitType type : values()) {
            if (type.bnbName.equals(name)) {
                return type;
            }
        }
        throw new LorisException("tensor " + tensor + " has quant_type '" + name + "', which Loris does not read",
                "bitsandbytes 4-bit checkpoints use nf4 or fp4; requantise the model with one of them");
    }

    /** dQuantizeNF4: a binary tree over the midpoints of neighbouring codes. */
    static int encodeNf4(float x) {
        if (x > 0.03979014977812767f) {
            if (x > 0.3893125355243683f) {
                if (x > 0.6427869200706482f) {
                    return x > 0.8614784181118011f ? 0b1111 : 0b1110;
                }
                return x > 0.5016634166240692f ? 0b1101 : 0b1100;
            }
            if (x > 0.2035212516784668f) {
                return x > 0.2920137718319893f ? 0b1011 : 0b1010;
            }
            return x > 0.1202552504837513f ? 0b1001 : 0b1000;
        }
        if (x > -0.33967943489551544f) {
            if (x > -0.13791173323988914f) {
                return x > -0.045525018125772476f ? 0b0111 : 0b0110;
            }
            return x > -0.23460740596055984f ? 0b0101 : 0b0100;
        }
        if (x > -0.6106329262256622f) {
            return x > -0.4599952697753906f ? 0b0011 : 0b0010;
        }
        return x > -0.8480964004993439f ? 0b0001 : 0b0000;
    }

    /** dQuantizeFP4: the sign in bit 3 (only for x < 0, so -0.0 and NaN get 0), then a tree on |x|. */
    static int encodeFp4(float x) {
        int sign = x < 0 ? 0b1000 : 0;
        float a = Math.abs(x);
        if (a > 0.29166667f) {
            if (a > 0.583333f) {
                return (a > 0.8333333f ? 0b0011 : 0b0010) + sign;
            }
            return (a > 0.4166667f ? 0b0101 : 0b0100) + sign;
        }
        if (a > 0.0859375f) {
            return (a > 0.20833333f ? 0b0111 : 0b0110) + sign;
        }
        return (a > 0.00260417f ? 0b0001 : 0b0000) + sign;
    }
}
