package dev.loris.tornado.runtime;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.cuda.CudaBuffer;

import java.lang.foreign.MemorySegment;

/**
 * A device array on a CUDA GPU: a block from the accelerator's caching allocator, possibly larger than the
 * array (the kernel sees the array's own length). Synchronous copies go through the driver's synchronous
 * calls, asynchronous ones onto the given stream.
 */
final class CudaDeviceArray extends DeviceArray {
    private final CudaBuffer buffer;

    CudaDeviceArray(CudaAccelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                    CachingAllocator.Allocation<CudaBuffer> allocation) {
        super(accelerator, type, length, allocation);
        this.buffer = allocation.block();
    }

    private CudaDeviceArray(CudaAccelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                            CudaBuffer buffer) {
        super(accelerator, type, length, null);
        this.buffer = buffer;
    }

    @Override
    DeviceArray createView(Class<? extends TornadoNativeArray> viewType, long viewLength) {
        return new CudaDeviceArray((CudaAccelerator) accelerator(), viewType, viewLength, buffer);
    }

    /** The device pointer, for kernel arguments and CUDA libraries. */
    long address() {
        return buffer.address();
    }

    @Override
    void writeHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.copyFrom(host);
        } else {
            buffer.copyFromAsync(host, 0, ((CudaDeviceStream) stream).cudaStream());
        }
    }

    @Override
    void readHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.copyTo(host);
        } else {
            buffer.copyToAsync(host, 0, ((CudaDeviceStream) stream).cudaStream());
        }
    }

    @Override
    void copyDevice(DeviceArray source, long bytes) {
        buffer.copyFrom(((CudaDeviceArray) source).buffer, bytes);
    }

    @Override
    void fill(byte value) {
        buffer.fillBytes(value);
    }
}
