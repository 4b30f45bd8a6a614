package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;


/**
 * An OpenCL event is a marker command on the device's queue: it completes when the work before it has, and
 * its profiled end time is when that happened, in device nanoseconds.
 */
final class OpenClDeviceEvent extends DeviceEvent {
    private final OpenClAccelerator accelerator;
    private OpenClEvent marker;

    OpenClDeviceEvent(OpenClAccelerator accelerator) {
        this.accelerator = accelerator;
    }


    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public void record(DeviceStream stream) {
        if (stream.accelerator() != accelerator) {
            throw new IllegalArgumentException("recording an event of " + accelerator + " on " + stream);
        }
        OpenClEvent next = accelerator.device().enqueueMarker();
        close();
        marker = next;
    }

    @Override
    public void synchronize() {
        recorded(this).waitFor();
    }

    @Override
    public double millisSince(DeviceEvent start) {
        if (!(start instanceof OpenClDeviceEvent from) || from.accelerator != accelerator) {
            throw new IllegalArgumentException("timing between events of different accelerators");
        }
        return (recorded(this).endNanos() - recorded(from).endNanos()) / 1e6;
    }

    private static OpenClEvent recorded(OpenClDeviceEvent event) {
        if (event.marker == null) {
            throw new IllegalStateException("an OpenCL event was used before it was recorded");
        }
        return event.marker;
    }

    @Override
    public void close() {
        if (marker != null) {
            marker.close();
            marker = null;
        }
    }
}
