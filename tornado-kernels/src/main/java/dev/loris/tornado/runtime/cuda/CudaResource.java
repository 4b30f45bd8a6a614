package dev.loris.tornado.runtime.cuda;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every native object a {@link CudaDevice} hands out shares: it belongs to that device, the device
 * releases it if the user has not by the time the device closes, and closing it twice is harmless. After
 * closing, using it throws IllegalStateException instead of passing a dead handle to the driver.
 */
abstract sealed class CudaResource implements AutoCloseable permits CudaBuffer, CudaModule, CudaStream, CudaEvent {
    /** Package-private so subclasses in this package read it directly. */
    final CudaDevice device;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaResource(CudaDevice device) {
        this.device = device;
    }

    public CudaDevice device() {
        return device;
    }

    final void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Frees the native object (the device's context is current); called once. */
    abstract void release();

    /** Releases the native object; later use throws IllegalStateException. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        device.forget(this);
        device.makeCurrent();
        release();
    }
}
