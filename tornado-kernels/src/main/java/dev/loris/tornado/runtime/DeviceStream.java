package dev.loris.tornado.runtime;

/**
 * An in-order queue of copies and launches on one accelerator. CUDA streams may overlap each other; OpenCL
 * has one in-order queue per device, which every stream of an OpenCL accelerator shares (so they never
 * overlap, and never race); on the JVM every operation completes before it returns.
 */
public abstract class DeviceStream implements AutoCloseable {
    private final Accelerator accelerator;

    protected DeviceStream(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    public final Accelerator accelerator() {
        return accelerator;
    }

    /**
     * Waits until everything queued on this stream has finished; reports failures of earlier work, a division
     * by zero included ({@link dev.loris.tornado.api.DivisionByZeroException}).
     */
    public abstract void synchronize();

    /**
     * Makes the work queued on this stream from now on wait until the work before {@code event}'s latest
     * recording (on any stream of this accelerator) has finished, without blocking the host. An event not
     * recorded yet is no wait, as in CUDA. On OpenCL and the JVM streams never overlap, so ordering holds
     * already and nothing is queued.
     */
    public final void waitFor(DeviceEvent event) {
        if (event.accelerator() != accelerator) {
            throw new IllegalArgumentException(this + " cannot wait for an event of " + event.accelerator());
        }
        accelerator.requireOpen();
        queueWait(event);
    }

    /** The backend's part of {@link #waitFor}; the event belongs to this accelerator. */
    protected abstract void queueWait(DeviceEvent event);

    /** For backends: fails if the accelerator is closed. */
    protected final void requireOpen() {
        accelerator.requireOpen();
    }

    /**
     * For backends, after this stream was synchronised: raises a division by zero a kernel recorded (see
     * {@link FaultWord#check}); {@code complete}: whether every stream's work has finished.
     */
    protected final void checkFaults(boolean complete) {
        accelerator.checkFaults(this, complete);
    }

    /** Releases the stream (work already queued still completes); the default stream ignores it. */
    @Override
    public void close() {
    }
}
