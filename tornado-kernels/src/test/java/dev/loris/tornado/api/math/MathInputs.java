package dev.loris.tornado.api.math;

import java.util.Random;

/**
 * Test arguments for the transcendental functions: special values, random bit patterns (every exponent,
 * NaNs and infinities included), and dense sweeps of the regions where an implementation is most likely to
 * lose accuracy; and the functions by name. Shared by the JVM accuracy tests and the cross-backend kernel
 * tests.
 */
public final class MathInputs {
    /** Values every function must get exactly right. */
    public static final float[] SPECIALS = {
        0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 0x1p-126f, -0x1p-126f, 0x1.fffffcp-127f, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0xFFC00001), 1f, -1f, 0.5f, -0.5f, 2f, -2f, 3f, -3f, 0x1p-12f, 0x1.fffffep-13f,
        88.72283f, 88.72284f, 89f, -87.33655f, -103.97208f, -103.97209f, -104f, 9.01f, 9.1f, 0.55f, 0.54999995f,
    };

    private MathInputs() {
    }

    /** PortableMath's function of that name at (x, y); the unary functions ignore y. */
    public static float portable(String function, float x, float y) {
        return switch (function) {
            case "exp" -> PortableMath.exp(x);
            case "log" -> PortableMath.log(x);
            case "sin" -> PortableMath.sin(x);
            case "cos" -> PortableMath.cos(x);
            case "tanh" -> PortableMath.tanh(x);
            case "pow" -> PortableMath.pow(x, y);
            default -> throw new IllegalArgumentException(function);
        };
    }

    /** {@code count} arguments for a unary function named as in PortableMath, drawn from {@code random}. */
    public static float[] unary(String function, Random random, int count) {
        float[] values = new float[count];
        System.arraycopy(SPECIALS, 0, values, 0, Math.min(SPECIALS.length, count));
        for (int i = SPECIALS.length; i < count; i++) {
            values[i] = random.nextInt(3) == 0 ? Float.intBitsToFloat(random.nextInt()) : hard(function, random);
        }
        return values;
    }

    /** A value from the region where {@code function} is hardest to get right. */
    static float hard(String function, Random random) {
        return switch (function) {
            // log near 1, where the result cancels to a few bits, and around the sqrt(2) reduction boundary
            case "log" -> Float.intBitsToFloat((random.nextBoolean() ? 0x3F800000 : 0x3FB504F3)
                    + random.nextInt(-50_000, 50_000));
            // near multiples of pi/2, where the reduced argument cancels
            case "sin", "cos" -> nearMultipleOfHalfPi(random);
            // near 0, at the switch between polynomial and expm1 formula, and near saturation
            case "tanh" -> switch (random.nextInt(3)) {
                case 0 -> (random.nextBoolean() ? 1 : -1) * Float.intBitsToFloat(random.nextInt(0x3F400000));
                case 1 -> Float.intBitsToFloat(0x3F0CCCCD + random.nextInt(-20_000, 20_000));
                default -> (random.nextFloat() * 2 - 1) * 10f;
            };
            // near overflow and underflow (subnormal results), and tiny arguments
            default -> switch (random.nextInt(3)) {
                case 0 -> 80f + random.nextFloat() * 9f;
                case 1 -> -110f + random.nextFloat() * 25f;
                default -> (random.nextBoolean() ? 1 : -1) * Float.intBitsToFloat(random.nextInt(0x3F000000));
            };
        };
    }

    /** A float within a few thousand ulps of k pi/2 for a random k up to PortableMath.TRIG_ACCURATE_LIMIT. */
    private static float nearMultipleOfHalfPi(Random random) {
        int k = random.nextInt(1, (int) (PortableMath.TRIG_ACCURATE_LIMIT / 1.5707963f));
        float center = (float) (k * (Math.PI / 2));
        float x = Float.intBitsToFloat(Float.floatToRawIntBits(center) + random.nextInt(-2000, 2000));
        return random.nextBoolean() ? x : -x;
    }

    /**
     * {@code count} argument pairs for pow as {x0, y0, x1, y1, ...}: random bit patterns, pairs whose result
     * lands anywhere in the float range (including subnormal results and the overflow edge), bases near 1 with
     * huge exponents, integer powers of integers, and negative bases with integer exponents.
     */
    public static float[] powPairs(Random random, int count) {
        float[] pairs = new float[2 * count];
        for (int i = 0; i < count; i++) {
            float x;
            float y;
            switch (random.nextInt(5)) {
                case 0 -> {
                    x = Float.intBitsToFloat(random.nextInt());
                    y = Float.intBitsToFloat(random.nextInt());
                }
                case 1 -> {
                    x = Float.intBitsToFloat(random.nextInt(0x7F800000));
                    y = exponentFor(x, random);
                }
                case 2 -> {
                    x = Float.intBitsToFloat(0x3F800000 + random.nextInt(-4000, 4000));
                    y = x == 1f ? Float.intBitsToFloat(random.nextInt()) : exponentFor(x, random);
                }
                case 3 -> {
                    x = random.nextInt(-300, 301);
                    y = random.nextInt(-40, 41);
                }
                default -> {
                    x = -Float.intBitsToFloat(random.nextInt(0x7F800000));
                    y = (float) Math.rint(exponentFor(x, random));
                }
            }
            pairs[2 * i] = x;
            pairs[2 * i + 1] = y;
        }
        return pairs;
    }

    /** A y such that |x|^y lies between 2^-155 and 2^130, so that the result spans the whole float range. */
    private static float exponentFor(float x, Random random) {
        double log2 = Math.log(Math.abs(x)) / Math.log(2);
        return (float) ((-155 + random.nextDouble() * 285) / log2);
    }
}
