package dev.loris.quant;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.ByteArray;

import java.util.Arrays;

/**
 * A 4-bit tensor on the host, laid out byte for byte as bitsandbytes stores it: the row-major flattened values
 * in blocks of {@code blocksize}, two codes per byte with the FIRST value in the HIGH nibble (an odd count
 * leaves a padding code in the last low nibble), and the per-block scales ({@link Absmax}). {@code dtype} is
 * the quant_state's dtype field, the torch name of the type the values were quantised from ("bfloat16").
 *
 * <p>Off-heap (Loris arrays), so an 8B model's tensors never pass through the Java heap. {@link #value} is the
 * plain reference of dequantisation: bitsandbytes' {@code code[q] * absmax} in float32.
 *
 * @param packed (ceil(n / 2)) u8, n = the product of {@code shape}
 */
public record FourBitTensor(FourBitType type, int blocksize, long[] shape, String dtype, ByteArray packed,
                            Absmax absmax) implements QuantizedTensor {
    public FourBitTensor {
        shape = shape.clone();
        QuantScheme.requireBlocksize(blocksize, "a 4-bit tensor");
        long n = elementCount(shape);
        if (packed.length() != (n + 1) / 2 || absmax.blocks() != (n + blocksize - 1) / blocksize) {
            throw new IllegalArgumentException(n + " values in blocks of " + blocksize + " need " + (n + 1) / 2
                    + " packed bytes and " + (n + blocksize - 1) / blocksize + " absmax, got " + packed.length()
                    + " and " + absmax.blocks());
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of values. */
    public long count() {
        return elementCount(shape);
    }

    /** The code of value {@code i} (0..15). */
    public int code(long i) {
        int pair = packed.get(i >>> 1) & 0xFF;
        return (i & 1) == 0 ? pair >>> 4 : pair & 0x0F;
    }

    /** Value {@code i} dequantised in float32, as bitsandbytes' kernel computes it. */
    public float value(long i) {
        return type.value(code(i)) * absmax.at(i / blocksize);
    }

    /** Value {@code i} dequantised to bf16 bits (the float32 value rounded once, to nearest even). */
    public short valueBf16(long i) {
        return TornadoMath.floatToBfloat16(value(i));
    }

    /** Bytes of storage: packed codes plus scales. */
    @Override
    public long bytes() {
        return packed.getNumBytesOfSegment() + absmax.bytes();
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FourBitTensor t && type == t.type && blocksize == t.blocksize
                && Arrays.equals(shape, t.shape) && dtype.equals(t.dtype) && packed == t.packed && absmax.equals(t.absmax);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + type.hashCode();
    }

    @Override
    public String toString() {
        return type.bnbName() + " " + Arrays.toString(shape) + " blocksize " + blocksize
                + (absmax instanceof Absmax.Nested ? ", double-quantised" : "");
    }
}
