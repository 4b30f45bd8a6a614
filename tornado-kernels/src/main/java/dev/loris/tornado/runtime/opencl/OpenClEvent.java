package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.MemorySegment;

/**
 * One queued command (a launch or an asynchronous transfer): wait for it, and read how long the device spent
 * on it. Closing releases the driver's event; the command itself runs to completion regardless.
 */
public final class OpenClEvent extends OpenClResource {
    OpenClEvent(OpenClDevice device, MemorySegment handle) {
        super(device, handle);
    }

    /** Blocks until the command has completed; throws if it failed. */
    public void waitFor() {
        device.cl().waitForEvent(handle());
    }

    /**
     * Device time from the command's start to its end, in nanoseconds, after waiting for it. The device's
     * profiling timer decides the resolution; a very short command may read 0 on a coarse timer.
     */
    public long elapsedNanos() {
        return nanosBetween(OpenCl.CL_PROFILING_COMMAND_START, OpenCl.CL_PROFILING_COMMAND_END);
    }

    /** Device time from the command's queueing to its end: elapsed time plus the wait in the queue. */
    public long queuedToEndNanos() {
        return nanosBetween(OpenCl.CL_PROFILING_COMMAND_QUEUED, OpenCl.CL_PROFILING_COMMAND_END);
    }

    /**
     * The device timestamp, in nanoseconds, at which the command ended, after waiting for it: the difference
     * between two commands' ends times what ran between them.
     */
    public long endNanos() {
        waitFor();
        return device.cl().eventProfilingNanos(handle(), OpenCl.CL_PROFILING_COMMAND_END);
    }

    private long nanosBetween(int fromTimestamp, int toTimestamp) {
        waitFor();
        long from = device.cl().eventProfilingNanos(handle(), fromTimestamp);
        return device.cl().eventProfilingNanos(handle(), toTimestamp) - from;
    }

    @Override
    void release(OpenCl cl, MemorySegment handle) {
        cl.releaseEvent(handle);
    }
}
