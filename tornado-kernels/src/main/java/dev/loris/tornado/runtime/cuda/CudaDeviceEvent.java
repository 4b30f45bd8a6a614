package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceEvent;
import dev.loris.tornado.runtime.DeviceStream;


/** A CUDA event with timing: GPU time between two recordings, at about half a microsecond's resolution. */
final class CudaDeviceEvent extends DeviceEvent {
    private final CudaAccelerator accelerator;
    private final CudaEvent event;
    /** CUDA reports timing an unrecorded event as an invalid-handle error; we say what happened instead. */
    private boolean recorded;

    CudaDeviceEvent(CudaAccelerator accelerator, CudaEvent event) {
        this.accelerator = accelerator;
        this.event = event;
    }


    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    CudaEvent cudaEvent() {
        return event;
    }

    boolean isRecorded() {
        return recorded;
    }

    @Override
    public void record(DeviceStream stream) {
        if (stream.accelerator() != accelerator) {
            throw new IllegalArgumentException("recording an event of " + accelerator + " on " + stream);
        }
        event.record(((CudaDeviceStream) stream).cudaStream());
        recorded = true;
    }

    @Override
    public void synchronize() {
        event.synchronize();
    }

    @Override
    public double millisSince(DeviceEvent start) {
        if (!(start instanceof CudaDeviceEvent from) || from.accelerator != accelerator) {
            throw new IllegalArgumentException("timing between events of different accelerators");
        }
        if (!recorded || !from.recorded) {
            throw new IllegalStateException("timing with an event that was not recorded yet");
        }
        event.synchronize();
        return event.millisSince(from.event);
    }

    @Override
    public void close() {
        event.close();
    }
}
