package dev.loris.tornado.api.types.arrays;

import java.lang.foreign.MemorySegment;

/**
 * An off-heap array of bytes: raw data such as quantised blocks or file contents (see {@link TornadoNativeArray}
 * for layout and limits).
 */
public final class ByteArray extends TornadoNativeArray {
    public static final int ELEMENT_SIZE = 1;

    /** {@code length} zeros. */
    public ByteArray(long length) {
        super(length, ELEMENT_SIZE);
    }

    private ByteArray(MemorySegment segment) {
        super(segment, ELEMENT_SIZE);
    }

    /** Views {@code segment} as bytes without copying. */
    public static ByteArray wrap(MemorySegment segment) {
        return new ByteArray(segment);
    }

    /** A new array holding a copy of {@code values}. */
    public static ByteArray fromArray(byte[] values) {
        ByteArray array = new ByteArray(values.length);
        MemorySegment.copy(values, 0, array.segment, BYTE, 0, values.length);
        return array;
    }

    public byte get(int index) {
        return segment.getAtIndex(BYTE, index);
    }

    public byte get(long index) {
        return segment.getAtIndex(BYTE, index);
    }

    public void set(int index, byte value) {
        segment.setAtIndex(BYTE, index, value);
    }

    public void set(long index, byte value) {
        segment.setAtIndex(BYTE, index, value);
    }

    /** Sets every element to {@code value}. */
    public void init(byte value) {
        segment.fill(value);
    }

    /** A heap copy; fails for arrays of 2^31 elements or more. */
    public byte[] toHeapArray() {
        intLength("toHeapArray()");
        return segment.toArray(BYTE);
    }
}
