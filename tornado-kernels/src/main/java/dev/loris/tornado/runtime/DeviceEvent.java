package dev.loris.tornado.runtime;

/**
 * A marker recorded into a stream, for timing the device work between two of them and for waiting on a
 * point of a stream. CUDA records a CUDA event, OpenCL a profiled marker command, the JVM the wall clock
 * (its work is done when the call that queued it returns).
 */
public abstract class DeviceEvent implements AutoCloseable {
    /** The accelerator this event was made by. */
    public abstract Accelerator accelerator();

    /** Records this event at the current end of {@code stream} (replacing an earlier recording). */
    public abstract void record(DeviceStream stream);

    /** Waits until the work queued before the recording has finished. */
    public abstract void synchronize();

    /**
     * Milliseconds of device time from {@code start}'s recording to this one's; waits for this event. Both
     * must be recorded, on the same accelerator.
     */
    public abstract double millisSince(DeviceEvent start);

    @Override
    public abstract void close();
}
