package dev.loris.tornado.api.types.arrays;

import dev.loris.tornado.api.math.TornadoMath;

import java.lang.foreign.MemorySegment;

/**
 * An off-heap array of bfloat16 values, stored as their 16 bits (the top half of a float; see
 * {@link TornadoNativeArray} for layout and limits). As in TornadoVM, {@link #get(int)} and
 * {@link #set(int, short)} move the raw bits; {@link #getFloat(int)} and {@link #setFloat(int, float)}
 * convert, rounding to nearest even on the way in.
 */
public final class BFloat16Array extends TornadoNativeArray implements FloatingPointArray {
    public static final int ELEMENT_SIZE = 2;

    /** {@code length} zeros. */
    public BFloat16Array(long length) {
        super(length, ELEMENT_SIZE);
    }

    private BFloat16Array(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as bf16 values without copying; size and address must be multiples of 2. */
    public static BFloat16Array wrap(MemorySegment segment) {
        return new BFloat16Array(segment);
    }

    /** A new array holding a copy of the raw bf16 bit patterns {@code bits}. */
    public static BFloat16Array fromArray(short[] bits) {
        BFloat16Array array = new BFloat16Array(bits.length);
        MemorySegment.copy(bits, 0, array.segment, SHORT, 0, bits.length);
        return array;
    }

    /** A new array of {@code values}, each rounded to the nearest bf16. */
    public static BFloat16Array fromFloats(float... values) {
        BFloat16Array array = new BFloat16Array(values.length);
        for (int i = 0; i < values.length; i++) {
            array.setFloat(i, values[i]);
        }
        return array;
    }

    /** The raw bits of element {@code index}. */
    public short get(int index) {
        return segment.getAtIndex(SHORT, index);
    }

    public short get(long index) {
        return segment.getAtIndex(SHORT, index);
    }

    /** Stores raw bits. */
    public void set(int index, short bits) {
        segment.setAtIndex(SHORT, index, bits);
    }

    public void set(long index, short bits) {
        segment.setAtIndex(SHORT, index, bits);
    }

    public short getBits(int index) {
        return get(index);
    }

    public short getBits(long index) {
        return get(index);
    }

    public void setBits(int index, short bits) {
        set(index, bits);
    }

    public void setBits(long index, short bits) {
        set(index, bits);
    }

    public float getFloat(int index) {
        return TornadoMath.bfloat16ToFloat(get(index));
    }

    public float getFloat(long index) {
        return TornadoMath.bfloat16ToFloat(get(index));
    }

    /** Stores {@code value} rounded to the nearest bf16 (ties to even; NaN stays NaN). */
    public void setFloat(int index, float value) {
        set(index, TornadoMath.floatToBfloat16(value));
    }

    public void setFloat(long index, float value) {
        set(index, TornadoMath.floatToBfloat16(value));
    }

    /** Sets every element to the raw bits {@code bits}. */
    public void init(short bits) {
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(SHORT, i, bits);
        }
    }

    /** A heap copy of the raw bits; fails for arrays of 2^31 elements or more. */
    public short[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(SHORT);
    }

    /** A heap copy of the values widened to float (exact). */
    public float[] toFloatArray() {
        float[] values = new float[intLength("toFloatArray()")];
        for (int i = 0; i < values.length; i++) {
            values[i] = getFloat(i);
        }
        return values;
    }

    /** {@code value} rounded to the nearest bf16 (ties to even) and widened back, exactly as a store and load. */
    @Override
    public float round(float value) {
        return TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(value));
    }
}
