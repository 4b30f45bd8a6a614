package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;

/**
 * What every suite test starts from: a fresh seed (printed in every failure message through {@link #at}),
 * random inputs drawn from it, output arrays poisoned so that elements a kernel never wrote show up, and the
 * kernel method looked up by name.
 */
final class SuiteInputs {
    /** The bits of a bf16 NaN: poison for bf16 outputs (0xFFFF). */
    static final short BF16_POISON = (short) 0xFFFF;

    final long seed = System.nanoTime();
    final Random random = new Random(seed);

    /** A failure message prefix naming the seed, the backend and the element. */
    String at(SuiteAccelerator backend, String what) {
        return "seed " + seed + " on " + backend.name() + ": " + what;
    }

    /** An int in [from, to] inclusive. */
    int between(int from, int to) {
        return from + random.nextInt(to - from + 1);
    }

    /**
     * A 1D grid for grid-stride kernels over n elements with groups of {@code local}: sometimes enough groups
     * to cover n at once, sometimes fewer, so the stride loop runs more than once.
     */
    int[] strideGrid(long n, int local) {
        long covering = Math.max(1, (n + local - 1) / local);
        long groups = random.nextBoolean() ? covering : 1 + random.nextLong(covering);
        return new int[] {Math.toIntExact(groups * local)};
    }

    /** Uniform floats in [-scale, scale). */
    float[] floats(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return values;
    }

    /** Uniform floats in [-scale, scale) rounded to bf16, as raw bits. */
    short[] bf16(int n, float scale) {
        float[] values = floats(n, scale);
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = dev.loris.tornado.api.math.TornadoMath.floatToBfloat16(values[i]);
        }
        return bits;
    }

    /** bf16 bits as the floats they stand for (exact). */
    static float[] widen(short[] bits) {
        float[] values = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
            values[i] = dev.loris.tornado.api.math.TornadoMath.bfloat16ToFloat(bits[i]);
        }
        return values;
    }

    static FloatArray poisonedFloats(long n) {
        FloatArray array = new FloatArray(n);
        array.init(Float.NaN);
        return array;
    }

    static BFloat16Array poisonedBf16(long n) {
        BFloat16Array array = new BFloat16Array(n);
        array.init(BF16_POISON);
        return array;
    }

    /** The one declared method of {@code owner} called {@code name}. */
    static Method kernel(Class<?> owner, String name) {
        Method[] matches = Arrays.stream(owner.getDeclaredMethods()).filter(m -> m.getName().equals(name))
                .toArray(Method[]::new);
        if (matches.length != 1) {
            throw new IllegalArgumentException(owner.getSimpleName() + " has " + matches.length + " methods named "
                    + name);
        }
        return matches[0];
    }
}
