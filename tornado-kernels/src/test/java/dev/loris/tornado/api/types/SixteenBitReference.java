package dev.loris.tornado.api.types;

/**
 * An independent reference for 16-bit float formats (f16, bf16), written from the format definition only:
 * decoding from the sign/exponent/mantissa fields, and rounding a float by searching the table of every
 * finite value for the nearest one (ties to the even bit pattern, overflow to infinity). Slow and obvious
 * on purpose, to check the fast conversions against.
 */
public final class SixteenBitReference {
    public static final SixteenBitReference F16 = new SixteenBitReference(5, 10);
    public static final SixteenBitReference BF16 = new SixteenBitReference(8, 7);

    private final int exponentBits;
    private final int mantissaBits;
    private final int bias;
    private final int maxFiniteBits;
    /** Value of every non-negative finite pattern, indexed by bits; one extra slot for the overflow boundary. */
    private final double[] values;

    private SixteenBitReference(int exponentBits, int mantissaBits) {
        this.exponentBits = exponentBits;
        this.mantissaBits = mantissaBits;
        this.bias = (1 << (exponentBits - 1)) - 1;
        this.maxFiniteBits = (((1 << exponentBits) - 1) << mantissaBits) - 1;
        this.values = new double[maxFiniteBits + 2];
        for (int bits = 0; bits <= maxFiniteBits; bits++) {
            values[bits] = decode((short) bits);
        }
        // The first value past the largest finite one, had the exponent not run out: rounding targets it
        // (and so overflows to infinity) exactly when IEEE rounding does.
        values[maxFiniteBits + 1] = Math.scalb(1.0, (1 << exponentBits) - 1 - bias);
    }

    public double decode(short pattern) {
        int bits = pattern & 0xFFFF;
        int sign = bits >>> (exponentBits + mantissaBits);
        int exponent = (bits >>> mantissaBits) & ((1 << exponentBits) - 1);
        int mantissa = bits & ((1 << mantissaBits) - 1);
        double magnitude;
        if (exponent == (1 << exponentBits) - 1) {
            magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((double) mantissa, 1 - bias - mantissaBits);
        } else {
            magnitude = Math.scalb((double) ((1 << mantissaBits) + mantissa), exponent - bias - mantissaBits);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    /** True when {@code pattern} encodes a NaN. */
    public boolean isNaN(short pattern) {
        return Double.isNaN(decode(pattern));
    }

    /**
     * {@code x} rounded to nearest, ties to even; NaN maps to the canonical positive quiet NaN. Takes a double
     * so that results of f16 arithmetic can be rounded from their exact (or double) value.
     */
    public short round(double x) {
        if (Double.isNaN(x)) {
            return (short) ((((1 << exponentBits) - 1) << mantissaBits) | (1 << (mantissaBits - 1)));
        }
        int signBit = (Double.doubleToRawLongBits(x) < 0 ? 1 : 0) << (exponentBits + mantissaBits);
        double magnitude = Math.abs(x);
        int below = largestNotAbove(magnitude);
        int chosen = below;
        if (values[below] != magnitude && below <= maxFiniteBits) {
            // Neighbours have at most 12 significant bits, so their midpoint is exact in double.
            double midpoint = (values[below] + values[below + 1]) / 2;
            boolean up = magnitude > midpoint || (magnitude == midpoint && (below & 1) == 1);
            chosen = up ? below + 1 : below;
        }
        // Index maxFiniteBits + 1 is the pattern of infinity.
        return (short) (signBit | chosen);
    }

    /** Patterns of all non-negative finite values, ascending. */
    public int maxFiniteBits() {
        return maxFiniteBits;
    }

    private int largestNotAbove(double magnitude) {
        int lo = 0;
        int hi = maxFiniteBits + 1;
        if (magnitude >= values[hi]) {
            return hi;
        }
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] <= magnitude) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
