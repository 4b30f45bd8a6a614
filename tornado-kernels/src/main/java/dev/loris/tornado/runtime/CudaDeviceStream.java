package dev.loris.tornado.runtime;

import dev.loris.tornado.runtime.cuda.CudaStream;

/** A CUDA stream as a device stream: the default (NULL) stream or one the accelerator created. */
final class CudaDeviceStream extends DeviceStream {
    private final CudaStream stream;

    CudaDeviceStream(CudaAccelerator accelerator, CudaStream stream) {
        super(accelerator);
        this.stream = stream;
    }

    CudaStream cudaStream() {
        return stream;
    }

    @Override
    public void synchronize() {
        stream.synchronize();
        // Only this stream's work is known to be done: later checks still read the word.
        accelerator().checkFaults(this, false);
    }

    @Override
    public void close() {
        stream.close();
    }

    @Override
    void queueWait(DeviceEvent event) {
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
