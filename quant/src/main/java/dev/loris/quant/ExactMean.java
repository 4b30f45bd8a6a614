package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.FloatArray;

import java.math.BigInteger;

/**
 * The mean of float32 values, deterministic to the bit: the exact sum (every float is an integer times
 * 2^-149, so the sum is an integer count of 2^-149 kept per exponent in longs), rounded once to double, divided
 * by the count in double, rounded to float32. bnb_reference.py computes the same with math.fsum.
 *
 * <p>Why not torch's way: bitsandbytes' offset is {@code absmax.mean()}, a float32 reduction whose order
 * depends on the device; no host loop can reproduce it, and it lies within an ulp of this correctly rounded
 * mean. The offset is stored in the quant_state, so readers never recompute it.
 */
final class ExactMean {
    private ExactMean() {
    }

    /** The mean of {@code values}; NaN for none, the float sum's inf or NaN when a value is not finite. */
    static float of(FloatArray values) {
        long n = values.length();
        if (n == 0) {
            return Float.NaN;
        }
        long[] perExponent = new long[255]; // indexed by the biased exponent field of finite floats
        for (long i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(values.get(i));
            int exponent = (bits >>> 23) & 0xFF;
            if (exponent == 0xFF) {
                return nonFiniteSum(values) / n;
            }
            long significand = exponent == 0 ? bits & 0x7FFFFF : (bits & 0x7FFFFF) | 0x800000;
            perExponent[exponent] += bits < 0 ? -significand : significand;
        }
        BigInteger units = BigInteger.ZERO; // the sum in units of 2^-149
        for (int exponent = 0; exponent < perExponent.length; exponent++) {
            if (perExponent[exponent] != 0) {
                int shift = Math.max(exponent - 1, 0); // a significand of exponent field e counts 2^(e-150)
                units = units.add(BigInteger.valueOf(perExponent[exponent]).shiftLeft(shift));
            }
        }
        double sum = Math.scalb(units.doubleValue(), -149); // doubleValue rounds once; the scaling is exact
        return (float) (sum / n);
    }

    private static float nonFiniteSum(FloatArray values) {
        float sum = 0;
        for (long i = 0; i < values.length(); i++) {
            sum += values.get(i);
        }
        return sum;
    }
}
