package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;


/** A CUDA stream as a device stream: the default (NULL) stream or one the accelerator created. */
public final class CudaDeviceStream extends DeviceStream {
    private final CudaStream stream;

    CudaDeviceStream(CudaAccelerator accelerator, CudaStream stream) {
        super(accelerator);
        this.stream = stream;
    }

    public CudaStream cudaStream() {
        return stream;
    }

    @Override
    public void synchronize() {
        stream.synchronize();
        // Only this stream's work is known to be done: later checks still read the word.
        checkFaults(false);
    }

    @Override
    public void close() {
        stream.close();
    }

    @Override
    protected void queueWait(DeviceEvent event) {
        CudaDeviceEvent cuda = (CudaDeviceEvent) event;
        if (cuda.isRecorded()) {
            stream.waitFor(cuda.cudaEvent());
        }
    }

    @Override
    public String toString() {
        return stream.toString();
    }
}
