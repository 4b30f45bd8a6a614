package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.MemorySegment;

/**
 * One device allocation: a device pointer and its size, with copies to and from host memory and other
 * buffers, and fills. Closing it frees the device memory (cuMemFree, which waits for the device to be idle).
 *
 * <p>Host memory must be native ({@link MemorySegment#isNative()}): the driver reads and writes it directly.
 * Copies take their byte count from the host segment (or the source buffer) and fail before calling the
 * driver if it does not fit. The asynchronous forms return at once: the host memory must stay alive and
 * untouched until the stream is synchronised, and only pinned memory ({@link CudaDevice#allocatePinned})
 * lets the copy overlap with other work; pageable memory is staged by the driver.
 */
public final class CudaBuffer extends CudaResource {
    private final long address;
    private final long byteSize;

    CudaBuffer(CudaDevice device, long address, long byteSize) {
        super(device);
        this.address = address;
        this.byteSize = byteSize;
    }

    /** The device pointer (CUdeviceptr), for kernel arguments and other CUDA libraries. */
    public long address() {
        requireOpen();
        return address;
    }

    public long byteSize() {
        return byteSize;
    }

    /** Copies all of {@code host} to the start of this buffer; returns when the copy is done. */
    public void copyFrom(MemorySegment host) {
        copyFrom(host, 0);
    }

    /** Copies all of {@code host} to this buffer at byte {@code offset}; returns when the copy is done. */
    public void copyFrom(MemorySegment host, long offset) {
        long bytes = hostRange(host, offset);
        device.makeCurrent();
        device.bindings().memory().copyHostToDevice(address + offset, host, bytes);
    }

    /** Queues a copy of all of {@code host} to this buffer at byte {@code offset} on {@code stream}. */
    public void copyFromAsync(MemorySegment host, long offset, CudaStream stream) {
        long bytes = hostRange(host, offset);
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().copyHostToDeviceAsync(address + offset, host, bytes, stream.handle());
    }

    /** Fills all of {@code host} from the start of this buffer; returns when the copy is done. */
    public void copyTo(MemorySegment host) {
        copyTo(host, 0);
    }

    /** Fills all of {@code host} from this buffer's byte {@code offset}; returns when the copy is done. */
    public void copyTo(MemorySegment host, long offset) {
        long bytes = hostRange(host, offset);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToHost(host, address + offset, bytes);
    }

    /** Queues a copy filling all of {@code host} from this buffer's byte {@code offset} on {@code stream}. */
    public void copyToAsync(MemorySegment host, long offset, CudaStream stream) {
        long bytes = hostRange(host, offset);
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToHostAsync(host, address + offset, bytes, stream.handle());
    }

    /** Copies all of {@code source} (same device) to the start of this buffer. */
    public void copyFrom(CudaBuffer source) {
        long bytes = deviceRange(source);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToDevice(address, source.address(), bytes);
    }

    /** Queues a copy of all of {@code source} (same device) to the start of this buffer on {@code stream}. */
    public void copyFromAsync(CudaBuffer source, CudaStream stream) {
        long bytes = deviceRange(source);
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToDeviceAsync(address, source.address(), bytes, stream.handle());
    }

    /** Copies the first {@code bytes} of {@code source} (same device) to the start of this buffer. */
    public void copyFrom(CudaBuffer source, long bytes) {
        checkPrefix(source, bytes);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToDevice(address, source.address(), bytes);
    }

    /** Queues a copy of the first {@code bytes} of {@code source} to the start of this buffer on {@code stream}. */
    public void copyFromAsync(CudaBuffer source, long bytes, CudaStream stream) {
        checkPrefix(source, bytes);
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().copyDeviceToDeviceAsync(address, source.address(), bytes, stream.handle());
    }

    private void checkPrefix(CudaBuffer source, long bytes) {
        requireOpen();
        source.requireOpen();
        if (source.device != device) {
            throw new IllegalArgumentException("copy between devices: " + source + " to " + this);
        }
        if (bytes < 0 || bytes > source.byteSize || bytes > byteSize) {
            throw new IndexOutOfBoundsException("copying " + bytes + " bytes from " + source + " into " + this);
        }
    }

    /** Sets every byte to {@code value}. */
    public void fillBytes(byte value) {
        requireOpen();
        device.makeCurrent();
        device.bindings().memory().fillBytes(address, value, byteSize);
    }

    public void fillBytesAsync(byte value, CudaStream stream) {
        requireOpen();
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().fillBytesAsync(address, value, byteSize, stream.handle());
    }

    /**
     * Sets every 32-bit word to {@code value}, e.g. {@code Float.floatToRawIntBits(Float.NaN)} to poison
     * float output; the size must be a multiple of 4.
     */
    public void fillInts(int value) {
        long words = wordCount();
        device.makeCurrent();
        device.bindings().memory().fillInts(address, value, words);
    }

    public void fillIntsAsync(int value, CudaStream stream) {
        long words = wordCount();
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().memory().fillIntsAsync(address, value, words, stream.handle());
    }

    @Override
    void release() {
        device.bindings().memory().free(address);
    }

    private long hostRange(MemorySegment host, long offset) {
        requireOpen();
        if (!host.isNative()) {
            throw new IllegalArgumentException("CUDA copies need native host memory (an Arena or pinned "
                    + "allocation), not a heap segment");
        }
        long bytes = host.byteSize();
        if (offset < 0 || offset > byteSize || bytes > byteSize - offset) {
            throw new IndexOutOfBoundsException("copying " + bytes + " bytes at offset " + offset + " overruns "
                    + this);
        }
        return bytes;
    }

    private long deviceRange(CudaBuffer source) {
        requireOpen();
        if (source.device != device) {
            throw new IllegalArgumentException("copy between devices: " + source + " to " + this);
        }
        if (source.byteSize > byteSize) {
            throw new IndexOutOfBoundsException("copying " + source + " overruns " + this);
        }
        return source.byteSize;
    }

    private long wordCount() {
        requireOpen();
        if (byteSize % Integer.BYTES != 0) {
            throw new IllegalArgumentException("fillInts needs a size that is a multiple of 4: " + this);
        }
        return byteSize / Integer.BYTES;
    }

    @Override
    public String toString() {
        return "CUDA buffer 0x" + Long.toHexString(address) + " of " + byteSize + " bytes on " + device;
    }
}
