package dev.loris.tornado.api.math;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * TornadoMath on the JVM against StrictMath (fdlibm) on random inputs: float versions within 1 float ulp of
 * StrictMath's double result, double versions within the bounds the class documents; special values; and
 * the functions documented exact compared for equality.
 */
class TornadoMathTest {
    private static final long SEED = System.nanoTime();
    private static final int SAMPLES = 20_000;
    private final Random random = new Random(SEED);

    /** A float function, its double twin, the reference, an input range and the double ulp bound. */
    private record Unary(String name, FloatUnary f, DoubleUnaryOperator d, DoubleUnaryOperator reference,
                         double lo, double hi, double doubleUlps) {
    }

    @FunctionalInterface
    private interface FloatUnary {
        float apply(float x);
    }

    @Test
    void unaryFunctionsAreWithinTheirUlpBounds() {
        Unary[] functions = {
            new Unary("exp", TornadoMath::exp, TornadoMath::exp, StrictMath::exp, -87, 88, 1),
            new Unary("log", TornadoMath::log, TornadoMath::log, StrictMath::log, 1e-30, 1e30, 1),
            new Unary("sqrt", TornadoMath::sqrt, TornadoMath::sqrt, StrictMath::sqrt, 0, 1e30, 0),
            new Unary("rsqrt", TornadoMath::rsqrt, TornadoMath::rsqrt, x -> 1 / StrictMath.sqrt(x), 1e-30, 1e30, 2),
            new Unary("tanh", TornadoMath::tanh, TornadoMath::tanh, StrictMath::tanh, -12, 12, 2.5),
            new Unary("sin", TornadoMath::sin, TornadoMath::sin, StrictMath::sin, -200, 200, 1),
            new Unary("cos", TornadoMath::cos, TornadoMath::cos, StrictMath::cos, -200, 200, 1),
        };
        for (Unary fn : functions) {
            for (int i = 0; i < SAMPLES; i++) {
                double x = sample(fn.lo, fn.hi);
                float xf = (float) x;
                assertFloatWithinOneUlp(fn.reference.applyAsDouble(xf), fn.f.apply(xf), fn.name, xf);
                assertDoubleWithin(fn.reference.applyAsDouble(x), fn.d.applyAsDouble(x), fn.doubleUlps, fn.name, x);
            }
        }
    }

    @Test
    void powIsWithinOneUlp() {
        DoubleBinaryOperator reference = StrictMath::pow;
        for (int i = 0; i < SAMPLES; i++) {
            double x = sample(1e-3, 100);
            double y = sample(-12, 12);
            float xf = (float) x;
            float yf = (float) y;
            assertFloatWithinOneUlp(reference.applyAsDouble(xf, yf), TornadoMath.pow(xf, yf), "pow", xf);
            assertDoubleWithin(reference.applyAsDouble(x, y), TornadoMath.pow(x, y), 1, "pow", x);
        }
    }

    @Test
    void specialValues() {
        assertEquals(0f, TornadoMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, TornadoMath.exp(100f));
        assertTrue(Float.isNaN(TornadoMath.exp(Float.NaN)));
        assertEquals(Float.NEGATIVE_INFINITY, TornadoMath.log(0f));
        assertTrue(Float.isNaN(TornadoMath.log(-1f)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(TornadoMath.sqrt(-0f)));
        assertTrue(Float.isNaN(TornadoMath.sqrt(-1f)));
        assertEquals(Float.POSITIVE_INFINITY, TornadoMath.rsqrt(0f));
        assertEquals(0.5f, TornadoMath.rsqrt(4f));
        assertEquals(1f, TornadoMath.tanh(50f));
        assertEquals(-1.0, TornadoMath.tanh(-50.0));
        assertEquals(1f, TornadoMath.pow(0f, 0f));
        assertTrue(Float.isNaN(TornadoMath.max(Float.NaN, 1f)));
        assertTrue(Double.isNaN(TornadoMath.min(2.0, Double.NaN)));
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(TornadoMath.max(-0f, 0f)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(TornadoMath.min(0f, -0f)));
        assertEquals(Integer.MIN_VALUE, TornadoMath.abs(Integer.MIN_VALUE));
        assertEquals(5L, TornadoMath.abs(-5L));
        assertEquals(-3f, TornadoMath.floor(-2.5f));
        assertEquals(-2.0, TornadoMath.ceil(-2.5));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(TornadoMath.ceil(-0.5f)));
        assertEquals(1f, TornadoMath.clamp(7f, -1f, 1f));
        assertEquals(-1.0, TornadoMath.clamp(-7.0, -1.0, 1.0));
        assertEquals(3, TornadoMath.clamp(3, 0, 10));
        assertEquals(10, TornadoMath.clamp(11, 0, 10));
        assertEquals(Long.MAX_VALUE, TornadoMath.max(Long.MAX_VALUE, 0L));
        assertEquals(-9, TornadoMath.min(-9, 4));
    }

    @Test
    void fmaRoundsOnce() {
        for (int i = 0; i < SAMPLES; i++) {
            float a = (float) sample(-1e3, 1e3);
            float b = (float) sample(-1e3, 1e3);
            float c = (float) sample(-1e6, 1e6);
            float expected = new BigDecimal(a).multiply(new BigDecimal(b)).add(new BigDecimal(c)).floatValue();
            float actual = TornadoMath.fma(a, b, c);
            if (Float.compare(expected, actual) != 0 && !(expected == 0 && actual == 0)) {
                fail("fma(" + a + ", " + b + ", " + c + ") = " + actual + ", expected " + expected + ", seed " + SEED);
            }
        }
        assertEquals(Math.fma(0.1, 0.2, 0.3), TornadoMath.fma(0.1, 0.2, 0.3));
    }

    @Test
    void bitCastsKeepNaNPayloads() {
        int payloadNaN = 0x7FA0_0001;
        assertEquals(payloadNaN, TornadoMath.floatToIntBits(TornadoMath.intBitsToFloat(payloadNaN)));
        int bits = random.nextInt();
        assertEquals(bits, TornadoMath.floatToIntBits(TornadoMath.intBitsToFloat(bits)), "seed " + SEED);
    }

    /** Uniform in [lo, hi) for short ranges, log-uniform in magnitude for wide positive ones. */
    private double sample(double lo, double hi) {
        if (lo > 0 && hi / lo > 1e6) {
            return Math.exp(Math.log(lo) + random.nextDouble() * (Math.log(hi) - Math.log(lo)));
        }
        return lo + random.nextDouble() * (hi - lo);
    }

    private static void assertFloatWithinOneUlp(double reference, float actual, String name, float x) {
        float nearest = (float) reference;
        double error = Math.abs(actual - reference);
        if (Float.isInfinite(nearest) || Float.isNaN(nearest)) {
            assertEquals(nearest, actual, name + "(" + x + "f), seed " + SEED);
            return;
        }
        if (error > Math.ulp(nearest)) {
            fail(name + "(" + x + "f) = " + actual + ", reference " + reference + ": " + error / Math.ulp(nearest)
                    + " ulp > 1, seed " + SEED);
        }
    }

    private static void assertDoubleWithin(double reference, double actual, double ulps, String name, double x) {
        double error = Math.abs(actual - reference);
        if (error > ulps * Math.ulp(reference)) {
            fail(name + "(" + x + ") = " + actual + ", reference " + reference + ": " + error / Math.ulp(reference)
                    + " ulp > " + ulps + ", seed " + SEED);
        }
    }
}
