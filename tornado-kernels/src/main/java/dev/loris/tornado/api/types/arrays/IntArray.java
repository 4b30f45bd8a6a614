package dev.loris.tornado.api.types.arrays;

import java.lang.foreign.MemorySegment;

/** An off-heap array of 32-bit signed ints (see {@link TornadoNativeArray} for layout and limits). */
public final class IntArray extends TornadoNativeArray {
    public static final int ELEMENT_SIZE = 4;

    /** {@code length} zeros. */
    public IntArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private IntArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as int elements without copying; its size must be a multiple of 4, its address too. */
    public static IntArray wrap(MemorySegment segment) {
        return new IntArray(segment);
    }

    /** A new array holding a copy of {@code values}. */
    public static IntArray fromArray(int[] values) {
        IntArray array = new IntArray(values.length);
        MemorySegment.copy(values, 0, array.segment, INT, 0, values.length);
        return array;
    }

    public int get(int index) {
        return segment.getAtIndex(INT, index);
    }

    public int get(long index) {
        return segment.getAtIndex(INT, index);
    }

    public void set(int index, int value) {
        segment.setAtIndex(INT, index, value);
    }

    public void set(long index, int value) {
        segment.setAtIndex(INT, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(int value) {
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(INT, i, value);
        }
    }

    /** A heap copy; fails for arrays of 2^31 elements or more. */
    public int[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(INT);
    }
}
