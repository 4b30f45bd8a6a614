package dev.loris.tornado.runtime;

/** The JVM's stream: work is finished when the call that queued it returns, so there is nothing to wait for. */
final class JvmDeviceStream extends DeviceStream {
    JvmDeviceStream(JvmAccelerator accelerator) {
        super(accelerator);
    }

    @Override
    public void synchronize() {
        accelerator().requireOpen();
    }

    /** Every operation finished before it returned: there is nothing to wait for. */
    @Override
    void queueWait(DeviceEvent event) {
    }

    @Override
    public String toString() {
        return "JVM stream";
    }
}
