package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

import java.lang.foreign.MemorySegment;

/**
 * A device array on an OpenCL device: a buffer from the accelerator's caching allocator, possibly larger than
 * the array. Every command goes to the device's one in-order queue, so an asynchronous copy is ordered with
 * the launches around it; its event is released at once (nobody waits on it but the queue).
 */
public final class OpenClDeviceArray extends DeviceArray {
    private final OpenClBuffer buffer;

    OpenClDeviceArray(OpenClAccelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                      CachingAllocator.Allocation<OpenClBuffer> allocation) {
        super(accelerator, type, length, allocation);
        this.buffer = allocation.block();
    }

    private OpenClDeviceArray(OpenClAccelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                              OpenClBuffer buffer) {
        super(accelerator, type, length, null);
        this.buffer = buffer;
    }

    @Override
    protected DeviceArray createView(Class<? extends TornadoNativeArray> viewType, long viewLength) {
        return new OpenClDeviceArray((OpenClAccelerator) accelerator(), viewType, viewLength, buffer);
    }

    public OpenClBuffer buffer() {
        return buffer;
    }

    /**
     * A queued write from host memory first finishes the queue: a write from memory that an earlier queued read
     * fills (offloaded activations: host[l] written by the forward's read, read back by the backward's write) must
     * see that read's data, and NVIDIA's OpenCL gave wrong gradients without this (CheckpointingTest OFFLOAD on an
     * H100, 2026-12-07; PoCL was right): its non-blocking transfers of plain host memory seem to touch the host
     * side out of queue order. With one in-order queue nothing overlaps these copies anyway.
     */
    @Override
    protected void writeHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.write(host);
        } else {
            ((OpenClAccelerator) accelerator()).device().finish();
            buffer.writeAsync(0, host).close();
        }
    }

    @Override
    protected void readHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.read(host);
        } else {
            buffer.readAsync(0, host).close();
        }
    }

    @Override
    protected void copyDevice(DeviceArray source, long bytes) {
        buffer.copyFrom(((OpenClDeviceArray) source).buffer, 0, 0, bytes);
    }

    @Override
    protected void fill(byte value) {
        buffer.fillBytes(value);
    }
}
