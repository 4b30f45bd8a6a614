package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.api.types.arrays.ShortArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;

/** The Loris array classes by their Class object: element sizes, and views of raw memory as each type. */
public final class ArrayTypes {
    private ArrayTypes() {
    }

    /** Bytes per element of {@code type}; a clear error for a class that is not a Loris array. */
    public static int elementBytes(Class<?> type) {
        if (type == FloatArray.class || type == IntArray.class) {
            return 4;
        }
        if (type == LongArray.class) {
            return 8;
        }
        if (type == ShortArray.class || type == HalfFloatArray.class || type == BFloat16Array.class) {
            return 2;
        }
        if (type == ByteArray.class) {
            return 1;
        }
        throw new LorisException(type.getName() + " is not a Loris array type",
                "use FloatArray, IntArray, LongArray, ShortArray, ByteArray, HalfFloatArray or BFloat16Array");
    }

    /** A Loris array class, or FloatingPointArray (a parameter compiled for one of its classes). */
    static boolean isArrayType(Class<?> type) {
        return TornadoNativeArray.class.isAssignableFrom(type) && type != TornadoNativeArray.class
                || type == dev.loris.tornado.api.types.arrays.FloatingPointArray.class;
    }

    /** {@code segment} viewed as an array of {@code type}, without copying. */
    public static TornadoNativeArray wrap(Class<? extends TornadoNativeArray> type, MemorySegment segment) {
        if (type == FloatArray.class) {
            return FloatArray.wrap(segment);
        }
        if (type == IntArray.class) {
            return IntArray.wrap(segment);
        }
        if (type == LongArray.class) {
            return LongArray.wrap(segment);
        }
        if (type == ShortArray.class) {
            return ShortArray.wrap(segment);
        }
        if (type == HalfFloatArray.class) {
            return HalfFloatArray.wrap(segment);
        }
        if (type == BFloat16Array.class) {
            return BFloat16Array.wrap(segment);
        }
        if (type == ByteArray.class) {
            return ByteArray.wrap(segment);
        }
        throw new IllegalArgumentException("not a Loris array type: " + type.getName());
    }
}
