package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.MemorySegment;

/**
 * A driver object (buffer, program, kernel, event) owned by one {@link OpenClDevice}: closing it releases the
 * driver's handle at once, and closing the device releases whatever its user left open.
 *
 * <p>Close is idempotent; any other use after close throws {@link IllegalStateException} instead of passing a
 * dangling handle to the driver. Like the device, a resource is meant for one thread at a time.
 */
public abstract sealed class OpenClResource implements AutoCloseable
        permits OpenClBuffer, OpenClProgram, OpenClKernel, OpenClEvent {
    final OpenClDevice device;
    private MemorySegment handle;

    OpenClResource(OpenClDevice device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** The driver handle; throws once the resource is closed. */
    public final MemorySegment handle() {
        if (handle == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " used after close");
        }
        return handle;
    }

    public final boolean isClosed() {
        return handle == null;
    }

    /** Releases the driver object; a second call does nothing. */
    @Override
    public final void close() {
        if (handle == null) {
            return;
        }
        MemorySegment released = handle;
        handle = null;
        device.forget(this);
        release(device.cl(), released);
    }

    abstract void release(OpenCl cl, MemorySegment handle);
}
