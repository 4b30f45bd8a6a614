package dev.loris.tornado.api.types;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * f16 and bf16 conversions against {@link SixteenBitReference}: every one of the 65536 patterns decoded, and
 * rounding checked on the hard cases (exact midpoints between neighbours and the floats next to them,
 * subnormals, overflow, infinities, NaNs with payloads only in the low bits) plus random float bit patterns.
 */
class SixteenBitConversionTest {
    private static final long SEED = System.nanoTime();

    @Test
    void decodesEveryHalfPattern() {
        SixteenBitReference f16 = SixteenBitReference.F16;
        HalfFloatArray array = new HalfFloatArray(1 << 16);
        for (int bits = 0; bits < 1 << 16; bits++) {
            array.setBits(bits, (short) bits);
        }
        for (int bits = 0; bits < 1 << 16; bits++) {
            short pattern = (short) bits;
            double expected = f16.decode(pattern);
            assertDecoded(expected, TornadoMath.halfToFloat(pattern), "halfToFloat", bits);
            assertDecoded(expected, HalfFloat.fromBits(pattern).getFloat32(), "HalfFloat.getFloat32", bits);
            assertDecoded(expected, array.getFloat(bits), "HalfFloatArray.getFloat", bits);
        }
    }

    @Test
    void decodesEveryBfloat16Pattern() {
        SixteenBitReference bf16 = SixteenBitReference.BF16;
        BFloat16Array array = new BFloat16Array(1L << 16);
        for (int bits = 0; bits < 1 << 16; bits++) {
            array.set(bits, (short) bits);
        }
        for (int bits = 0; bits < 1 << 16; bits++) {
            double expected = bf16.decode((short) bits);
            assertDecoded(expected, TornadoMath.bfloat16ToFloat((short) bits), "bfloat16ToFloat", bits);
            assertDecoded(expected, array.getFloat((long) bits), "BFloat16Array.getFloat", bits);
        }
    }

    @Test
    void roundsFloatToHalfToNearestEven() {
        HalfFloatArray array = new HalfFloatArray(1);
        for (float x : hardCases(SixteenBitReference.F16)) {
            short expected = SixteenBitReference.F16.round(x);
            array.setFloat(0, x);
            assertRounded(SixteenBitReference.F16, expected, TornadoMath.floatToHalf(x), "floatToHalf", x);
            assertRounded(SixteenBitReference.F16, expected, new HalfFloat(x).getHalfFloatValue(), "new HalfFloat", x);
            assertRounded(SixteenBitReference.F16, expected, array.getBits(0), "HalfFloatArray.setFloat", x);
        }
    }

    @Test
    void roundsFloatToBfloat16ToNearestEven() {
        BFloat16Array array = new BFloat16Array(1);
        for (float x : hardCases(SixteenBitReference.BF16)) {
            short expected = SixteenBitReference.BF16.round(x);
            short actual = TornadoMath.floatToBfloat16(x);
            array.setFloat(0, x);
            assertRounded(SixteenBitReference.BF16, expected, actual, "floatToBfloat16", x);
            assertRounded(SixteenBitReference.BF16, expected, array.get(0), "BFloat16Array.setFloat", x);
            if (Float.isNaN(x)) {
                assertEquals(Float.floatToRawIntBits(x) < 0, actual < 0, "bf16 NaN keeps its sign, seed " + SEED);
            }
        }
    }

    @Test
    void halfArithmeticRoundsOnceFromTheExactResult() {
        Random random = new Random(SEED);
        for (int i = 0; i < 20_000; i++) {
            HalfFloat a = HalfFloat.fromBits((short) random.nextInt(0x7C00));
            HalfFloat b = HalfFloat.fromBits((short) (random.nextInt(0x7C00) | (random.nextBoolean() ? 0x8000 : 0)));
            double x = a.getFloat32();
            double y = b.getFloat32();
            assertHalfOf(x + y, HalfFloat.add(a, b), "add", a, b);
            assertHalfOf(x - y, HalfFloat.sub(a, b), "sub", a, b);
            assertHalfOf(x * y, HalfFloat.mult(a, b), "mult", a, b);
            if (y != 0) {
                assertHalfOf(x / y, HalfFloat.div(a, b), "div", a, b);
            }
        }
    }

    /**
     * Sums, differences and products of two f16 values are exact in double; a quotient is not, but it cannot
     * cross an f16 midpoint (those have 12 significant bits), so rounding the double quotient is the truth.
     */
    private static void assertHalfOf(double exact, HalfFloat actual, String op, HalfFloat a, HalfFloat b) {
        short expected = SixteenBitReference.F16.round(exact);
        assertEquals(expected, actual.getHalfFloatValue(), op + "(" + a + ", " + b + ") = " + actual
                + ", expected bits 0x" + Integer.toHexString(expected & 0xFFFF) + ", seed " + SEED);
    }

    private static List<Float> hardCases(SixteenBitReference format) {
        List<Float> cases = new ArrayList<>(List.of(0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.NaN, Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFF800001),
                Float.intBitsToFloat(0x7FC00000), Float.intBitsToFloat(0xFF80FFFF), 65504f, 65519.996f, 65520f,
                65536f, 5.9604645E-8f, 2.9802322E-8f, 2.9802326E-8f));
        for (int bits = 0; bits < format.maxFiniteBits(); bits++) {
            double lo = format.decode((short) bits);
            double hi = format.decode((short) (bits + 1));
            float midpoint = (float) ((lo + hi) / 2);
            for (float x : new float[] {midpoint, Math.nextUp(midpoint), Math.nextDown(midpoint), (float) lo}) {
                cases.add(x);
                cases.add(-x);
            }
        }
        Random random = new Random(SEED);
        for (int i = 0; i < 200_000; i++) {
            cases.add(Float.intBitsToFloat(random.nextInt()));
        }
        return cases;
    }

    private static void assertDecoded(double expected, float actual, String what, int bits) {
        if (Double.isNaN(expected)) {
            assertTrue(Float.isNaN(actual), what + "(0x" + Integer.toHexString(bits) + ") should be NaN");
        } else {
            assertEquals(expected, actual, 0.0, what + "(0x" + Integer.toHexString(bits) + ")");
            assertEquals(expected < 0 || 1 / expected < 0, Float.floatToRawIntBits(actual) < 0,
                    what + " sign of 0x" + Integer.toHexString(bits));
        }
    }

    private static void assertRounded(SixteenBitReference format, short expected, short actual, String what, float x) {
        String message = what + "(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + ") gave 0x"
                + Integer.toHexString(actual & 0xFFFF) + ", expected 0x" + Integer.toHexString(expected & 0xFFFF)
                + ", seed " + SEED;
        if (Float.isNaN(x)) {
            assertTrue(format.isNaN(actual), message);
        } else if (expected != actual) {
            fail(message);
        }
    }
}
