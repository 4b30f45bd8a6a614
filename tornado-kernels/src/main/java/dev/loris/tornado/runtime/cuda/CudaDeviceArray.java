package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

import java.lang.foreign.MemorySegment;

/**
 * A device array on a CUDA GPU: a block from the accelerator's caching allocator, possibly larger than the
 * array (the kernel sees the array's own length). Synchronous copies go through the driver's synchronous
 * calls, asynchronous ones onto the given stream.
 */
public final class CudaDeviceArray extends DeviceArray {
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
    protected DeviceArray createView(Class<? extends TornadoNativeArray> viewType, long viewLength) {
        return new CudaDeviceArray((CudaAccelerator) accelerator(), viewType, viewLength, buffer);
    }

    /** The device pointer, for kernel arguments and CUDA libraries. */
    public long address() {
        return buffer.address();
    }

    @Override
    protected void writeHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.copyFrom(host);
        } else {
            buffer.copyFromAsync(host, 0, ((CudaDeviceStream) stream).cudaStream());
        }
    }

    @Override
    protected void readHost(MemorySegment host, DeviceStream stream) {
        if (stream == null) {
            buffer.copyTo(host);
        } else {
            buffer.copyToAsync(host, 0, ((CudaDeviceStream) stream).cudaStream());
        }
    }

    @Override
    protected void copyDevice(DeviceArray source, long bytes) {
        buffer.copyFrom(((CudaDeviceArray) source).buffer, bytes);
    }

    @Override
    protected void fill(byte value) {
        buffer.fillBytes(value);
    }
}
