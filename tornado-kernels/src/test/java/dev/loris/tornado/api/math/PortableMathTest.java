package dev.loris.tornado.api.math;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * PortableMath on the JVM against StrictMath in double rounded once to float (the correctly rounded result):
 * the stated bound of 1 ulp over random and hard arguments, special values bit for bit, pow's whole special
 * case table against Math.pow, and exact results where the exact value is a float. The class documentation's
 * table comes from exhaustive runs over every float (minutes); these runs take about a second.
 */
class PortableMathTest {
    private static final long SEED = System.nanoTime();
    private static final int SAMPLES = 200_000;
    /** The bound PortableMath documents, in ulps of the correctly rounded result. */
    private static final long MAX_ULPS = 1;

    @ParameterizedTest
    @ValueSource(strings = {"exp", "log", "sin", "cos", "tanh"})
    void unaryFunctionIsWithinOneUlpAndExactOnSpecialValues(String function) {
        Random random = new Random(SEED ^ function.hashCode());
        DoubleUnaryOperator reference = reference(function);
        for (float x : MathInputs.unary(function, random, SAMPLES)) {
            float actual = MathInputs.portable(function, x, 0f);
            boolean trig = function.equals("sin") || function.equals("cos");
            if (trig && Math.abs(x) > PortableMath.TRIG_ACCURATE_LIMIT) {
                if (!(actual >= -1f && actual <= 1f) && !Float.isInfinite(x) && !Float.isNaN(x)) {
                    fail(function + "(" + x + ") = " + actual + " outside [-1, 1]; seed " + SEED);
                }
                continue;
            }
            long ulps = ulpDistance(actual, reference.applyAsDouble(x));
            if (ulps > MAX_ULPS) {
                fail(function + "(" + Float.toHexString(x) + ") = " + Float.toHexString(actual) + ", correctly rounded "
                        + Float.toHexString((float) reference.applyAsDouble(x)) + ": " + ulps + " ulp; seed " + SEED);
            }
        }
    }

    @Test
    void specialValuesFollowJava() {
        assertBits(0f, PortableMath.exp(Float.NEGATIVE_INFINITY));
        assertBits(Float.POSITIVE_INFINITY, PortableMath.exp(Float.POSITIVE_INFINITY));
        assertBits(Float.POSITIVE_INFINITY, PortableMath.exp(88.73f));
        assertBits(1f, PortableMath.exp(-0f));
        assertBits(Float.MIN_VALUE, PortableMath.exp(-103.9f));
        assertBits(Float.NEGATIVE_INFINITY, PortableMath.log(0f));
        assertBits(Float.NEGATIVE_INFINITY, PortableMath.log(-0f));
        assertBits(Float.POSITIVE_INFINITY, PortableMath.log(Float.POSITIVE_INFINITY));
        assertBits(0f, PortableMath.log(1f));
        assertTrue(Float.isNaN(PortableMath.log(-Float.MIN_VALUE)));
        assertTrue(Float.isNaN(PortableMath.log(Float.NEGATIVE_INFINITY)));
        assertBits(-0f, PortableMath.sin(-0f));
        assertBits(1f, PortableMath.cos(-0f));
        assertTrue(Float.isNaN(PortableMath.sin(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(PortableMath.cos(Float.NEGATIVE_INFINITY)));
        assertBits(-0f, PortableMath.tanh(-0f));
        assertBits(1f, PortableMath.tanh(Float.POSITIVE_INFINITY));
        assertBits(-1f, PortableMath.tanh(-9.1f));
        assertBits(-Float.MIN_VALUE, PortableMath.tanh(-Float.MIN_VALUE));
        for (String function : new String[] {"exp", "log", "sin", "cos", "tanh"}) {
            assertTrue(Float.isNaN(MathInputs.portable(function, Float.NaN, 0f)), function + "(NaN)");
        }
    }

    @Test
    void sinAndCosOfHugeArgumentsStayInRangeAndAreNeverNaN() {
        Random random = new Random(SEED);
        for (int i = 0; i < SAMPLES; i++) {
            float x = Float.intBitsToFloat(random.nextInt(0x48FFFFFF, 0x7F800000)) * (random.nextBoolean() ? 1 : -1);
            for (float v : new float[] {PortableMath.sin(x), PortableMath.cos(x)}) {
                if (!(v >= -1f && v <= 1f)) {
                    fail("sin/cos(" + x + ") = " + v + "; seed " + SEED);
                }
            }
        }
    }

    @Test
    void powIsWithinOneUlpOverTheWholeRange() {
        Random random = new Random(SEED);
        float[] pairs = MathInputs.powPairs(random, SAMPLES);
        for (int i = 0; i < pairs.length; i += 2) {
            checkPow(pairs[i], pairs[i + 1]);
        }
    }

    /** Every pair of special and ordinary values: Math.pow's special cases and exact results bit for bit. */
    @Test
    void powFollowsEverySpecialCaseOfMathPow() {
        float[] values = {0f, -0f, 1f, -1f, 0.5f, -0.5f, 2f, -2f, 3f, -3f, 2.5f, -2.5f, 0x1p24f, -0x1p24f, 0x1.000002p24f,
            -0x1.fffffep23f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1.0000001f, 0.99999994f};
        for (float x : values) {
            for (float y : values) {
                checkPow(x, y);
            }
        }
    }

    @Test
    void integerPowersOfIntegersAreExactWhenTheResultIsAFloat() {
        for (int x = -300; x <= 300; x++) {
            for (int y = -40; y <= 40; y++) {
                double exact = StrictMath.pow(x, y);
                if ((float) exact == exact) {
                    assertBits((float) exact, PortableMath.pow(x, y));
                }
            }
        }
    }

    private static void checkPow(float x, float y) {
        double reference = StrictMath.pow(x, y);
        float actual = PortableMath.pow(x, y);
        long ulps = ulpDistance(actual, reference);
        // A result that is exactly a float (every special case among them) must come out exactly.
        long allowed = (float) reference == reference || Double.isNaN(reference) ? 0 : MAX_ULPS;
        if (ulps > allowed) {
            fail("pow(" + Float.toHexString(x) + ", " + Float.toHexString(y) + ") = " + Float.toHexString(actual)
                    + ", correctly rounded " + Float.toHexString((float) reference) + ": " + ulps + " ulp; seed " + SEED);
        }
    }

    private static DoubleUnaryOperator reference(String function) {
        return switch (function) {
            case "exp" -> StrictMath::exp;
            case "log" -> StrictMath::log;
            case "sin" -> StrictMath::sin;
            case "cos" -> StrictMath::cos;
            case "tanh" -> StrictMath::tanh;
            default -> throw new IllegalArgumentException(function);
        };
    }

    /**
     * How many floats lie between {@code actual} and {@code reference} rounded to float (0 = correctly
     * rounded). NaN matches only NaN, and zeros must agree in sign; a mismatch counts as a huge distance.
     */
    static long ulpDistance(float actual, double reference) {
        float expected = (float) reference;
        if (Float.isNaN(expected) || Float.isNaN(actual)) {
            return Float.isNaN(expected) && Float.isNaN(actual) ? 0 : Long.MAX_VALUE;
        }
        if (expected == 0f && actual == 0f) {
            return Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(actual) ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(orderedBits(actual) - orderedBits(expected));
    }

    /** Float bits mapped to a line on which adjacent floats differ by 1 across zero. */
    private static long orderedBits(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }

    private static void assertBits(float expected, float actual) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                "expected " + expected + " but was " + actual);
    }
}
