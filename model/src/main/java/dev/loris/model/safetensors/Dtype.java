package dev.loris.model.safetensors;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header may name, with their byte sizes.
 *
 * <p>The constants are declared in the reference Rust crate's enum order, which is increasing alignment; the
 * canonical writer sorts tensors by this order descending (then by name), so {@link #ordinal()} is part of
 * the file format here and must not be reordered. Loris reads the 15 types that whole-byte checkpoints use;
 * the crate's sub-byte and exotic types (F4, F6_*, F8_E8M0, the FNUZ variants, C64) are refused by name.
 */
public enum Dtype {
    BOOL(1),
    U8(1),
    I8(1),
    F8_E5M2(1),
    F8_E4M3(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    F64(8),
    I64(8),
    U64(8);

    private final int byteSize;

    Dtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether {@link SafetensorsFile#readFloats} can widen this type to float exactly. */
    public boolean readableAsFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /**
     * Element {@code index} of a tensor of this type in {@code data} (little-endian, alignment not needed),
     * widened exactly to float; only for types {@link #readableAsFloat()}.
     */
    public float floatAt(MemorySegment data, long index) {
        return TensorFloats.widen(data, this, index);
    }

    /** The type a header spells {@code name} (case-sensitive, as the format is), or null if Loris has none. */
    /** {@code values} stored as this type (F32, F16 or BF16: rounded to nearest even), little-endian. */
    public MemorySegment encode(float[] values) {
        return TensorFloats.encode(values, this);
    }

    public static Dtype fromHeaderName(String name) {
        for (Dtype dtype : values()) {
            if (dtype.name().equals(name)) {
                return dtype;
            }
        }
        return null;
    }

    /** The names Loris reads, for error messages. */
    static String supportedNames() {
        return Arrays.stream(values()).map(Dtype::name).collect(Collectors.joining(", "));
    }
}
