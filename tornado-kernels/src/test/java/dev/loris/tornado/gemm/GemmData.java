package dev.loris.tornado.gemm;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.util.Random;

/** Host operands for GEMM tests: random values already rounded to their type, and typed host arrays of them. */
final class GemmData {
    private GemmData() {
    }

    /** n values in [-1, 1), each exactly representable in {@code type}. */
    static float[] random(Random random, GemmType type, long n) {
        float[] values = new float[Math.toIntExact(n)];
        for (int i = 0; i < values.length; i++) {
            values[i] = round(type, random.nextFloat() * 2 - 1);
        }
        return values;
    }

    /**
     * A host array of n values in [-1, 1) of {@code type}, filled in place: for benchmark-sized operands, where
     * {@link #random} followed by {@link #host} would make a native array per element to round it.
     */
    static TornadoNativeArray randomHost(Random random, GemmType type, long n) {
        TornadoNativeArray array = empty(type, n);
        for (long i = 0; i < n; i++) {
            float value = random.nextFloat() * 2 - 1;
            switch (array) {
                case FloatArray f -> f.set(i, value);
                case HalfFloatArray h -> h.setFloat(i, value);
                case BFloat16Array b -> b.setFloat(i, value);
                default -> throw new IllegalArgumentException(array.getClass().getName());
            }
        }
        return array;
    }

    static float round(GemmType type, float value) {
        return switch (type) {
            case F32 -> value;
            case F16 -> HalfFloatArray.fromFloats(value).getFloat(0);
            case BF16 -> BFloat16Array.fromFloats(value).getFloat(0);
        };
    }

    static TornadoNativeArray host(GemmType type, float[] values) {
        return switch (type) {
            case F32 -> FloatArray.fromArray(values);
            case F16 -> HalfFloatArray.fromFloats(values);
            case BF16 -> BFloat16Array.fromFloats(values);
        };
    }

    static TornadoNativeArray empty(GemmType type, long n) {
        return switch (type) {
            case F32 -> new FloatArray(n);
            case F16 -> new HalfFloatArray(n);
            case BF16 -> new BFloat16Array(n);
        };
    }

    static float get(TornadoNativeArray array, long i) {
        return switch (array) {
            case FloatArray f -> f.get(i);
            case HalfFloatArray h -> h.getFloat(i);
            case BFloat16Array b -> b.getFloat(i);
            default -> throw new IllegalArgumentException(array.getClass().getName());
        };
    }

    /** The relative rounding unit of a type (half an ulp at 1): what storing a result in it may cost. */
    static double unit(GemmType type) {
        return switch (type) {
            case F32 -> 0x1p-24;
            case F16 -> 0x1p-11;
            case BF16 -> 0x1p-8;
        };
    }
}
