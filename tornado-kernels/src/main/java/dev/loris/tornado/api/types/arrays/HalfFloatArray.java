package dev.loris.tornado.api.types.arrays;

import dev.loris.tornado.api.types.HalfFloat;

import java.lang.foreign.MemorySegment;

/**
 * An off-heap array of IEEE 754 binary16 (f16) values, stored as their 16 bits (see
 * {@link TornadoNativeArray} for layout and limits). {@link #get(int)} returns a {@link HalfFloat} as
 * TornadoVM does; {@link #getFloat(int)} and {@link #getBits(int)} avoid the object where it matters.
 */
public final class HalfFloatArray extends TornadoNativeArray implements FloatingPointArray {
    public static final int ELEMENT_SIZE = 2;

    /** {@code length} zeros. */
    public HalfFloatArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private HalfFloatArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as f16 values without copying; size and address must be multiples of 2. */
    public static HalfFloatArray wrap(MemorySegment segment) {
        return new HalfFloatArray(segment);
    }

    public static HalfFloatArray fromArray(HalfFloat[] values) {
        HalfFloatArray array = new HalfFloatArray(values.length);
        for (int i = 0; i < values.length; i++) {
            array.set(i, values[i]);
        }
        return array;
    }

    /** A new array of {@code values}, each rounded to the nearest f16. */
    public static HalfFloatArray fromFloats(float... values) {
        HalfFloatArray array = new HalfFloatArray(values.length);
        for (int i = 0; i < values.length; i++) {
            array.setFloat(i, values[i]);
        }
        return array;
    }

    /** A new array holding a copy of the raw f16 bit patterns {@code bits}. */
    public static HalfFloatArray fromBits(short[] bits) {
        HalfFloatArray array = new HalfFloatArray(bits.length);
        MemorySegment.copy(bits, 0, array.segment, SHORT, 0, bits.length);
        return array;
    }

    public HalfFloat get(int index) {
        return HalfFloat.fromBits(getBits(index));
    }

    public HalfFloat get(long index) {
        return HalfFloat.fromBits(getBits(index));
    }

    public void set(int index, HalfFloat value) {
        setBits(index, value.getHalfFloatValue());
    }

    public void set(long index, HalfFloat value) {
        setBits(index, value.getHalfFloatValue());
    }

    public float getFloat(int index) {
        return Float.float16ToFloat(getBits(index));
    }

    public float getFloat(long index) {
        return Float.float16ToFloat(getBits(index));
    }

    /** Stores {@code value} rounded to the nearest f16 (ties to even). */
    public void setFloat(int index, float value) {
        setBits(index, Float.floatToFloat16(value));
    }

    public void setFloat(long index, float value) {
        setBits(index, Float.floatToFloat16(value));
    }

    public short getBits(int index) {
        return segment.getAtIndex(SHORT, index);
    }

    public short getBits(long index) {
        return segment.getAtIndex(SHORT, index);
    }

    public void setBits(int index, short bits) {
        segment.setAtIndex(SHORT, index, bits);
    }

    public void setBits(long index, short bits) {
        segment.setAtIndex(SHORT, index, bits);
    }

    public void init(HalfFloat value) {
        short bits = value.getHalfFloatValue();
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(SHORT, i, bits);
        }
    }

    /** A heap copy as HalfFloat objects; fails for arrays of 2^31 elements or more. */
    public HalfFloat[] toHeapArray() {
        HalfFloat[] values = new HalfFloat[intLength("toHeapArray()")];
        for (int i = 0; i < values.length; i++) {
            values[i] = get(i);
        }
        return values;
    }

    /** A heap copy of the values widened to float (exact). */
    public float[] toFloatArray() {
        float[] values = new float[intLength("toFloatArray()")];
        for (int i = 0; i < values.length; i++) {
            values[i] = getFloat(i);
        }
        return values;
    }

    /** {@code value} rounded to the nearest f16 (ties to even) and widened back, exactly as a store and load. */
    @Override
    public float round(float value) {
        return Float.float16ToFloat(Float.floatToFloat16(value));
    }
}
