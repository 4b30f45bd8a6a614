package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A read-write buffer in an OpenCL device's global memory, made by {@link OpenClDevice#allocate(long)}.
 *
 * <p>Every command goes to the device's one in-order queue, so commands run in the order they were issued:
 * a fill, a copy, a kernel and a read issued one after the other need no events between them. Blocking
 * transfers return when the host memory may be reused; they take heap or native segments (heap ones through a
 * native staging copy). Asynchronous transfers take native segments only, which the caller must keep alive
 * and untouched until the returned event completes; the driver reads or writes them in the meantime.
 */
public final class OpenClBuffer extends OpenClResource {
    private final long bytes;

    OpenClBuffer(OpenClDevice device, MemorySegment handle, long bytes) {
        super(device, handle);
        this.bytes = bytes;
    }

    /** The size in bytes, as allocated. */
    public long bytes() {
        return bytes;
    }

    /** Copies all of {@code source} to the start of the buffer and waits until it is done. */
    public void write(MemorySegment source) {
        write(0, source);
    }

    /** Copies all of {@code source} to the buffer from byte {@code offset} on, and waits until it is done. */
    public void write(long offset, MemorySegment source) {
        checkRange(offset, source.byteSize());
        if (source.byteSize() == 0) {
            return;
        }
        if (source.isNative()) {
            device.cl().enqueueWriteBuffer(device.queue(), handle(), true, offset, source, MemorySegment.NULL);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staged = arena.allocate(source.byteSize(), 8).copyFrom(source);
            device.cl().enqueueWriteBuffer(device.queue(), handle(), true, offset, staged, MemorySegment.NULL);
        }
    }

    /** Starts copying the native {@code source} to byte {@code offset} on; see the class comment. */
    public OpenClEvent writeAsync(long offset, MemorySegment source) {
        checkAsync(offset, source);
        return device.enqueueWithEvent(event ->
                device.cl().enqueueWriteBuffer(device.queue(), handle(), false, offset, source, event));
    }

    /** Fills all of {@code target} from the start of the buffer and waits until it is done. */
    public void read(MemorySegment target) {
        read(0, target);
    }

    /** Fills all of {@code target} from byte {@code offset} of the buffer on, and waits until it is done. */
    public void read(long offset, MemorySegment target) {
        checkRange(offset, target.byteSize());
        if (target.byteSize() == 0) {
            return;
        }
        if (target.isNative()) {
            device.cl().enqueueReadBuffer(device.queue(), handle(), true, offset, target, MemorySegment.NULL);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staged = arena.allocate(target.byteSize(), 8);
            device.cl().enqueueReadBuffer(device.queue(), handle(), true, offset, staged, MemorySegment.NULL);
            target.copyFrom(staged);
        }
    }

    /** Starts filling the native {@code target} from byte {@code offset} on; see the class comment. */
    public OpenClEvent readAsync(long offset, MemorySegment target) {
        checkAsync(offset, target);
        return device.enqueueWithEvent(event ->
                device.cl().enqueueReadBuffer(device.queue(), handle(), false, offset, target, event));
    }

    /** Queues a device-side copy of {@code count} bytes from {@code source} into this buffer. */
    public void copyFrom(OpenClBuffer source, long sourceOffset, long offset, long count) {
        if (source.device != device) {
            throw new IllegalArgumentException("cannot copy between buffers of two OpenCL devices: go through the"
                    + " host");
        }
        source.checkRange(sourceOffset, count);
        checkRange(offset, count);
        if (count > 0) {
            device.cl().enqueueCopyBuffer(device.queue(), source.handle(), handle(), sourceOffset, offset, count,
                    MemorySegment.NULL);
        }
    }

    /** Queues setting every float of the buffer to {@code value}; the size must be a multiple of 4. */
    public void fillFloat(float value) {
        try (Arena arena = Arena.ofConfined()) {
            fill(arena.allocateFrom(JAVA_FLOAT, value));
        }
    }

    /** Queues setting every int of the buffer to {@code value}; the size must be a multiple of 4. */
    public void fillInt(int value) {
        try (Arena arena = Arena.ofConfined()) {
            fill(arena.allocateFrom(JAVA_INT, value));
        }
    }

    /** Queues setting every byte of the buffer to {@code value}. */
    public void fillBytes(byte value) {
        try (Arena arena = Arena.ofConfined()) {
            fill(arena.allocateFrom(JAVA_BYTE, value));
        }
    }

    /**
     * Queues repeating the native {@code pattern} (1, 2, 4, ... 128 bytes, as OpenCL allows) over the whole
     * buffer, whose size it must divide. The driver copies the pattern before this returns.
     */
    public void fill(MemorySegment pattern) {
        long size = pattern.byteSize();
        if (size == 0 || size > 128 || Long.bitCount(size) != 1 || bytes % size != 0) {
            throw new IllegalArgumentException("a fill pattern of " + size + " bytes does not tile a buffer of "
                    + bytes + " bytes (OpenCL takes 1, 2, 4, ... 128 bytes that divide the size)");
        }
        device.cl().enqueueFillBuffer(device.queue(), handle(), pattern, 0, bytes, MemorySegment.NULL);
    }

    private void checkAsync(long offset, MemorySegment host) {
        if (!host.isNative()) {
            throw new IllegalArgumentException("an asynchronous transfer needs native host memory (the GC may move"
                    + " a heap array while the driver uses it): allocate the segment from an Arena");
        }
        if (host.byteSize() == 0) {
            throw new IllegalArgumentException("an asynchronous transfer of 0 bytes has no command to wait for");
        }
        checkRange(offset, host.byteSize());
    }

    private void checkRange(long offset, long count) {
        if (offset < 0 || count < 0 || offset > bytes - count) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + offset + " + " + count
                    + ") are outside an OpenCL buffer of " + bytes + " bytes");
        }
    }

    @Override
    void release(OpenCl cl, MemorySegment handle) {
        cl.releaseMemObject(handle);
    }
}
