package dev.loris.tornado.api.types.arrays;

import java.lang.foreign.MemorySegment;

/** An off-heap array of 16-bit signed shorts (see {@link TornadoNativeArray} for layout and limits). */
public final class ShortArray extends TornadoNativeArray {
    public static final int ELEMENT_SIZE = 2;

    /** {@code length} zeros. */
    public ShortArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private ShortArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as short elements without copying; its size must be a multiple of 2, its address too. */
    public static ShortArray wrap(MemorySegment segment) {
        return new ShortArray(segment);
    }

    /** A new array holding a copy of {@code values}. */
    public static ShortArray fromArray(short[] values) {
        ShortArray array = new ShortArray(values.length);
        MemorySegment.copy(values, 0, array.segment, SHORT, 0, values.length);
        return array;
    }

    public short get(int index) {
        return segment.getAtIndex(SHORT, index);
    }

    public short get(long index) {
        return segment.getAtIndex(SHORT, index);
    }

    public void set(int index, short value) {
        segment.setAtIndex(SHORT, index, value);
    }

    public void set(long index, short value) {
        segment.setAtIndex(SHORT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(short value) {
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(SHORT, i, value);
        }
    }

    /** A heap copy; fails for arrays of 2^31 elements or more. */
    public short[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(SHORT);
    }
}
