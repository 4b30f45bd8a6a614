package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;

/** The JVM's stream: work is finished when the call that queued it returns, so there is nothing to wait for. */
final class JvmDeviceStream extends DeviceStream {
    JvmDeviceStream(JvmAccelerator accelerator) {
        super(accelerator);
    }

    @Override
    public void synchronize() {
        requireOpen();
    }

    /** Every operation finished before it returned: there is nothing to wait for. */
    @Override
    protected void queueWait(DeviceEvent event) {
    }

    @Override
    public String toString() {
        return "JVM stream";
    }
}
