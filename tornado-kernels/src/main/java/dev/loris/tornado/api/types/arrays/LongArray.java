package dev.loris.tornado.api.types.arrays;

import java.lang.foreign.MemorySegment;

/** An off-heap array of 64-bit signed longs (see {@link TornadoNativeArray} for layout and limits). */
public final class LongArray extends TornadoNativeArray {
    public static final int ELEMENT_SIZE = 8;

    /** {@code length} zeros. */
    public LongArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private LongArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as long elements without copying; its size must be a multiple of 8, its address too. */
    public static LongArray wrap(MemorySegment segment) {
        return new LongArray(segment);
    }

    /** A new array holding a copy of {@code values}. */
    public static LongArray fromArray(long[] values) {
        LongArray array = new LongArray(values.length);
        MemorySegment.copy(values, 0, array.segment, LONG, 0, values.length);
        return array;
    }

    public long get(int index) {
        return segment.getAtIndex(LONG, index);
    }

    public long get(long index) {
        return segment.getAtIndex(LONG, index);
    }

    public void set(int index, long value) {
        segment.setAtIndex(LONG, index, value);
    }

    public void set(long index, long value) {
        segment.setAtIndex(LONG, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(long value) {
        for (long i = 0, n = length(); i < n; i++) {
            segment.setAtIndex(LONG, i, value);
        }
    }

    /** A heap copy; fails for arrays of 2^31 elements or more. */
    public long[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(LONG);
    }
}
