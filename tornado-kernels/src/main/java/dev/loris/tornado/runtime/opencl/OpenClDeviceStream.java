package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

/** The OpenCL device's one in-order queue, seen as a stream; synchronising it finishes the whole queue. */
final class OpenClDeviceStream extends DeviceStream {
    private final OpenClAccelerator accelerator;

    OpenClDeviceStream(OpenClAccelerator accelerator) {
        super(accelerator);
        this.accelerator = accelerator;
    }

    @Override
    public void synchronize() {
        requireOpen();
        accelerator.device().finish();
        checkFaults(true);
    }

    /** Every stream is the one in-order queue: what the event marks is already ahead of later work. */
    @Override
    protected void queueWait(DeviceEvent event) {
    }

    @Override
    public String toString() {
        return "queue of " + accelerator.description();
    }
}
