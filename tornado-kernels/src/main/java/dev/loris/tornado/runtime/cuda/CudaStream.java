package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A queue of copies and launches on one device, run in order; different streams may overlap. Streams from
 * {@link CudaDevice#createStream()} synchronise with the default stream (CU_STREAM_DEFAULT), so a
 * synchronous copy still sees their finished work. The default stream itself is the NULL handle, owned
 * by the context: closing it does nothing.
 */
public final class CudaStream extends CudaResource {
    private final MemorySegment handle;
    private final boolean owned;

    CudaStream(CudaDevice device, MemorySegment handle, boolean owned) {
        super(device);
        this.handle = handle;
        this.owned = owned;
    }

    /** The CUstream (also a cudaStream_t), for other CUDA libraries; NULL for the default stream. */
    public MemorySegment handle() {
        requireOpen();
        return handle;
    }

    /** Waits until everything queued on this stream has finished; reports errors of earlier launches. */
    public void synchronize() {
        MemorySegment stream = handle();
        device.makeCurrent();
        device.bindings().streams().synchronizeStream(stream);
    }

    /** Makes work queued on this stream from now on wait until {@code event}'s latest recording has completed. */
    public void waitFor(CudaEvent event) {
        MemorySegment stream = handle();
        if (event.device() != device) {
            throw new IllegalArgumentException(event + " belongs to " + event.device() + ", not to " + device);
        }
        device.makeCurrent();
        device.bindings().streams().waitEvent(stream, event.handle());
    }

    /** Destroys the stream; work already queued still completes. Does nothing for the default stream. */
    @Override
    public void close() {
        if (owned) {
            super.close();
        }
    }

    @Override
    void release() {
        device.bindings().streams().destroyStream(handle);
    }

    @Override
    public String toString() {
        return (owned ? "stream 0x" + Long.toHexString(handle.address()) : "default stream") + " of " + device;
    }
}
