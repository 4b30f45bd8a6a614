package dev.loris.tornado.api.types.arrays;

import java.lang.foreign.MemorySegment;

/** An off-heap array of 32-bit IEEE floats (see {@link TornadoNativeArray} for layout and limits). */
public final class FloatArray extends TornadoNativeArray implements FloatingPointArray {
    public static final int ELEMENT_SIZE = 4;

    /** {@code length} zeros. */
    public FloatArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private FloatArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as floats without copying; its size must be a multiple of 4, its address too. */
    public static FloatArray wrap(MemorySegment segment) {
        return new FloatArray(segment);
    }

    /** A new array holding a copy of {@code values}. */
    public static FloatArray fromArray(float[] values) {
        FloatArray array = new FloatArray(values.length);
        MemorySegment.copy(values, 0, array.segment, FLOAT, 0, values.length);
        return array;
    }

    public float get(int index) {
        return segment.getAtIndex(FLOAT, index);
    }

    public float get(long index) {
        return segment.getAtIndex(FLOAT, index);
    }

    public void set(int index, float value) {
        segment.setAtIndex(FLOAT, index, value);
    }

    /** Element {@code index} (the {@link FloatingPointArray} name of {@link #get(int)}). */
    @Override
    public float getFloat(int index) {
        return get(index);
    }

    @Override
    public float getFloat(long index) {
        return get(index);
    }

    @Override
    public void setFloat(int index, float value) {
        set(index, value);
    }

    @Override
    public void setFloat(long index, float value) {
        set(index, value);
    }

    /** f32 is the precision kernels compute in: nothing to round. */
    @Override
    public float round(float value) {
        return value;
    }

    public void set(long index, float value) {
        segment.setAtIndex(FLOAT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(float value) {
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(FLOAT, i, value);
        }
    }

    /** A heap copy; fails for arrays of 2^31 elements or more. */
    public float[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(FLOAT);
    }
}
