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

    @Override
    public String toString() {
        return "JVM stream";
    }
}
