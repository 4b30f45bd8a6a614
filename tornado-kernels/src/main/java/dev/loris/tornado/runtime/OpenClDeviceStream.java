package dev.loris.tornado.runtime;

/** The OpenCL device's one in-order queue, seen as a stream; synchronising it finishes the whole queue. */
final class OpenClDeviceStream extends DeviceStream {
    private final OpenClAccelerator accelerator;

    OpenClDeviceStream(OpenClAccelerator accelerator) {
        super(accelerator);
        this.accelerator = accelerator;
    }

    @Override
    public void synchronize() {
        accelerator.requireOpen();
        accelerator.device().finish();
        accelerator.checkFaults(this, true);
    }

    /** Every stream is the one in-order queue: what the event marks is already ahead of later work. */
    @Override
    void queueWait(DeviceEvent event) {
    }

    @Override
    public String toString() {
        return "queue of " + accelerator.description();
    }
}
