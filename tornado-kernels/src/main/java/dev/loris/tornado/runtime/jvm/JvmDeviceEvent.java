package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

/**
 * A JVM event is the wall clock (System.nanoTime) when it is recorded: work queued before it is done by
 * then, so the time between two events is the work between them, plus the caller's own time.
 */
final class JvmDeviceEvent extends DeviceEvent {
    private final JvmAccelerator accelerator;
    private long recordedNanos;
    private boolean recorded;

    JvmDeviceEvent(JvmAccelerator accelerator) {
        this.accelerator = accelerator;
    }


    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public void record(DeviceStream stream) {
        if (stream.accelerator() != accelerator) {
            throw new IllegalArgumentException("recording a JVM event on " + stream);
        }
        recordedNanos = System.nanoTime();
        recorded = true;
    }

    @Override
    public void synchronize() {
        requireRecorded(this);
    }

    @Override
    public double millisSince(DeviceEvent start) {
        if (!(start instanceof JvmDeviceEvent from) || from.accelerator != accelerator) {
            throw new IllegalArgumentException("timing between events of different accelerators");
        }
        requireRecorded(from);
        requireRecorded(this);
        return (recordedNanos - from.recordedNanos) / 1e6;
    }

    private static void requireRecorded(JvmDeviceEvent event) {
        if (!event.recorded) {
            throw new IllegalStateException("a JVM event was used before it was recorded");
        }
    }

    @Override
    public void close() {
        recorded = false;
    }
}
