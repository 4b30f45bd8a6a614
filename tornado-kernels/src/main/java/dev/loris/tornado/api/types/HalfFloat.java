package dev.loris.tornado.api.types;

/**
 * An IEEE 754 binary16 (f16) value, held as its 16 bits (TornadoVM's name and accessors).
 *
 * <p>Value-like: immutable, equal when the bits are equal (so +0 and -0 differ, and a NaN equals itself).
 * The arithmetic helpers compute in float and round the result to f16 (round to nearest even). That is the
 * correctly rounded f16 result, as a device's f16 instruction gives, because a float carries more than
 * twice f16's 11 significant bits plus two, so the intermediate rounding cannot change the final one; a
 * chain of operations rounds after every step. On devices the compiler keeps HalfFloat in registers.
 */
public final class HalfFloat {
    public static final HalfFloat ZERO = fromBits((short) 0);

    private final short bits;

    /** {@code value} rounded to the nearest f16 (ties to even; overflow gives infinity, NaN stays NaN). */
    public HalfFloat(float value) {
        this.bits = Float.floatToFloat16(value);
    }

    private HalfFloat(short bits, @SuppressWarnings("unused") boolean raw) {
        this.bits = bits;
    }

    /** The f16 whose bit pattern is {@code bits}. */
    public static HalfFloat fromBits(short bits) {
        return new HalfFloat(bits, true);
    }

    /** The value, exactly (every f16 is a float). */
    public float getFloat32() {
        return Float.float16ToFloat(bits);
    }

    /** The 16 bits. */
    public short getHalfFloatValue() {
        return bits;
    }

    public static HalfFloat add(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() + b.getFloat32());
    }

    public static HalfFloat sub(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() - b.getFloat32());
    }

    public static HalfFloat mult(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() * b.getFloat32());
    }

    public static HalfFloat div(HalfFloat a, HalfFloat b) {
        return new HalfFloat(a.getFloat32() / b.getFloat32());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HalfFloat h && h.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    @Override
    public String toString() {
        return Float.toString(getFloat32());
    }
}
