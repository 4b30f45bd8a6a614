package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A marker recorded into a stream: it completes when the work queued before it does. Two recorded events
 * time the GPU work between them, with about half a microsecond of resolution; timing across streams also
 * counts whatever else ran in between.
 */
public final class CudaEvent implements AutoCloseable {
    private final CudaDevice device;
    private final MemorySegment handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaEvent(CudaDevice device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** Records this event at the current end of {@code stream}'s queue (replacing an earlier recording). */
    public void record(CudaStream stream) {
        requireOpen();
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().streams().record(handle, stream.handle());
    }

    /** Waits until the work before the recording has finished. */
    public void synchronize() {
        requireOpen();
        device.makeCurrent();
        device.bindings().streams().synchronizeEvent(handle);
    }

    /**
     * Milliseconds of GPU time from {@code start} to this event; both must be recorded and complete
     * (synchronise this one first), otherwise the driver reports CUDA_ERROR_NOT_READY or INVALID_HANDLE.
     */
    public float millisSince(CudaEvent start) {
        requireOpen();
        start.requireOpen();
        if (start.device != device) {
            throw new IllegalArgumentException("events of different devices: " + start.device + " and " + device);
        }
        device.makeCurrent();
        return device.bindings().streams().elapsedMillis(start.handle, handle);
    }

    /** Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        device.forget(this);
        device.makeCurrent();
        device.bindings().streams().destroyEvent(handle);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("event of " + device + " is closed");
        }
    }
}
