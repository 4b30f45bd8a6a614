package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A marker recorded into a stream: it completes when the work queued before it does. Two recorded events
 * time the GPU work between them, with about half a microsecond of resolution; timing across streams also
 * counts whatever else ran in between.
 */
public final class CudaEvent extends CudaResource {
    private final MemorySegment handle;

    CudaEvent(CudaDevice device, MemorySegment handle) {
        super(device);
        this.handle = handle;
    }

    /** Records this event at the current end of {@code stream}'s queue (replacing an earlier recording). */
    public void record(CudaStream stream) {
        requireOpen();
        device.requireOwn(stream);
        device.makeCurrent();
        device.bindings().streams().record(handle, stream.handle());
    }

    MemorySegment handle() {
        requireOpen();
        return handle;
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

    @Override
    void release() {
        device.bindings().streams().destroyEvent(handle);
    }

    @Override
    public String toString() {
        return "event 0x" + Long.toHexString(handle.address()) + " of " + device;
    }
}
