package dev.loris.tornado.api.types.arrays;

import dev.loris.tornado.runtime.Units;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * An off-heap array of one element type, the data type every kernel reads and writes (TornadoVM's name).
 *
 * <p>Each array is exactly one {@link MemorySegment} holding the elements and nothing else: unlike TornadoVM
 * there is no in-band header, so a segment mapped from a safetensors or GGUF file can be wrapped and copied
 * to a device as it is. Elements are stored little-endian (the layout of every GPU and of x86/ARM hosts).
 * Arrays this class allocates are zero-filled and 64-byte aligned (a cache line, and enough for the widest
 * vector loads a compiled kernel issues); wrapped segments need only be aligned to the element size.
 *
 * <p>Lengths are longs, so arrays past 2^31 elements work through the {@code long}-indexed accessors; the
 * int-returning {@link #getSize()} refuses such arrays rather than truncating. Arrays are not thread-safe
 * beyond what the Java memory model gives plain memory; kernels synchronise through KernelContext.
 */
public abstract sealed class TornadoNativeArray
        permits FloatArray, IntArray, LongArray, ByteArray, ShortArray, HalfFloatArray, BFloat16Array {

    /** The alignment of every array allocated here, in bytes. */
    public static final int ALIGNMENT = 64;

    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    final MemorySegment segment;
    private final long length;
    private final int elementSize;

    /** Allocates {@code length} zeroed elements, freed when the array becomes unreachable. */
    TornadoNativeArray(long length, int elementSize) {
        this.segment = allocate(length, elementSize, getClass().getSimpleName());
        this.length = length;
        this.elementSize = elementSize;
    }

    /** Wraps {@code segment} without copying; it must hold whole, aligned elements. */
    TornadoNativeArray(MemorySegment segment, int elementSize) {
        checkWrappable(segment, elementSize, getClass().getSimpleName());
        this.segment = segment;
        this.length = segment.byteSize() / elementSize;
        this.elementSize = elementSize;
    }

    /** Number of elements. */
    public final long length() {
        return length;
    }

    /** Number of elements as an int, for arrays below 2^31 elements (TornadoVM's accessor). */
    public final int getSize() {
        return intLength("getSize()");
    }

    /** Bytes per element. */
    public final int getElementSize() {
        return elementSize;
    }

    /** The elements, exactly: no header, {@code length() * getElementSize()} bytes. */
    public final MemorySegment getSegment() {
        return segment;
    }

    public final long getNumBytesOfSegment() {
        return segment.byteSize();
    }

    /** Sets every element to zero. */
    public final void clear() {
        segment.fill((byte) 0);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + length + "]";
    }

    /** The length as an int for an operation that needs one (heap copies), or a clear error. */
    final int intLength(String operation) {
        if (length > Integer.MAX_VALUE) {
            throw new NativeArrayException(getClass().getSimpleName() + " of " + length + " elements is too long for "
                    + operation + ", which is limited to " + Integer.MAX_VALUE + " elements",
                    "use length() and the long-indexed get/set, or work on a slice of the segment");
        }
        return (int) length;
    }

    private static MemorySegment allocate(long length, int elementSize, String type) {
        if (length < 0) {
            throw new NativeArrayException(type + " length must not be negative, got " + length,
                    "check the size computation that produced it");
        }
        if (length > Long.MAX_VALUE / elementSize) {
            throw new NativeArrayException(type + " of " + length + " elements overflows a 64-bit byte size",
                    "check the size computation that produced it");
        }
        long bytes = length * elementSize;
        try {
            return Arena.ofAuto().allocate(bytes, ALIGNMENT);
        } catch (OutOfMemoryError e) {
            throw new NativeArrayException("cannot allocate " + Units.bytes(bytes) + " off-heap for a " + type
                    + " of " + length + " elements", "free memory, or use smaller arrays (fewer tokens per step)", e);
        }
    }

    private static void checkWrappable(MemorySegment segment, int elementSize, String type) {
        if (segment.byteSize() % elementSize != 0) {
            throw new NativeArrayException("cannot wrap a segment of " + segment.byteSize() + " bytes as a " + type
                    + ": not a whole number of " + elementSize + "-byte elements",
                    "slice the segment to the tensor's exact byte size");
        }
        if (segment.maxByteAlignment() < elementSize) {
            throw new NativeArrayException("cannot wrap a segment at address 0x" + Long.toHexString(segment.address())
                    + " as a " + type + ": it is aligned to " + segment.maxByteAlignment() + " bytes, elements need "
                    + elementSize, "copy the data into a new " + type + " (fromArray or MemorySegment.copy)");
        }
    }
}
