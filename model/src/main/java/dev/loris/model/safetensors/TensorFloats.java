package dev.loris.model.safetensors;

import dev.loris.tornado.api.math.TornadoMath;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Conversions between the float types a safetensors file stores (F32, F16, BF16, little-endian) and Java
 * floats, for small tensors, tests and the writer's float[] input. Widening is exact; narrowing rounds to
 * nearest, ties to even, as torch does (TornadoMath's conversions, so host and kernels agree bit for bit).
 *
 * <p>Reads use unaligned layouts: canonical files keep every tensor aligned, but a foreign writer need not.
 */
final class TensorFloats {
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorFloats() {}

    /** The {@code count} elements of {@code dtype} in {@code bytes}, widened to float. */
    static float[] decode(MemorySegment bytes, Dtype dtype, int count) {
        float[] values = new float[count];
        if (dtype == Dtype.F32) {
            MemorySegment.copy(bytes, F32, 0, values, 0, count);
        } else {
            for (int i = 0; i < count; i++) {
                values[i] = widen(bytes, dtype, i);
            }
        }
        return values;
    }

    /** Element {@code index} of {@code dtype} (F32, F16 or BF16) in {@code bytes}, widened to float. */
    static float widen(MemorySegment bytes, Dtype dtype, long index) {
        return switch (dtype) {
            case F32 -> bytes.getAtIndex(F32, index);
            case F16 -> TornadoMath.halfToFloat(bytes.getAtIndex(U16, index));
            case BF16 -> TornadoMath.bfloat16ToFloat(bytes.getAtIndex(U16, index));
            default -> throw new IllegalArgumentException(dtype + " is not a float type Loris widens");
        };
    }

    /** {@code values} stored as {@code dtype} (F32, F16 or BF16), little-endian, in a fresh heap segment. */
    static MemorySegment encode(float[] values, Dtype dtype) {
        MemorySegment bytes = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, dtype.byteSize())]);
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, bytes, F32, 0, values.length);
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    bytes.setAtIndex(U16, i, TornadoMath.floatToHalf(values[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    bytes.setAtIndex(U16, i, TornadoMath.floatToBfloat16(values[i]));
                }
            }
            default -> throw new IllegalArgumentException("float values cannot be stored as " + dtype
                    + "; use F32, F16 or BF16");
        }
        return bytes;
    }
}
