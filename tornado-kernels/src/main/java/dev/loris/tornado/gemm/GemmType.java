package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

/** The element types a GEMM operand may have; arithmetic is always accumulated in f32. */
public enum GemmType {
    F32(4, FloatArray.class),
    F16(2, HalfFloatArray.class),
    BF16(2, BFloat16Array.class);

    /** values() copies its array on every call; GEMM calls look types up and must not allocate. */
    private static final GemmType[] ALL = values();

    public final int bytes;
    public final Class<? extends TornadoNativeArray> arrayType;

    GemmType(int bytes, Class<? extends TornadoNativeArray> arrayType) {
        this.bytes = bytes;
        this.arrayType = arrayType;
    }

    /** The type of an array class: FloatArray, HalfFloatArray or BFloat16Array. */
    public static GemmType of(Class<? extends TornadoNativeArray> arrayType) {
        for (GemmType t : ALL) {
            if (t.arrayType == arrayType) {
                return t;
            }
        }
        throw new LorisException("a GEMM operand is a " + arrayType.getSimpleName(),
                "use FloatArray, HalfFloatArray or BFloat16Array device arrays (or a view as one of them)");
    }
}
