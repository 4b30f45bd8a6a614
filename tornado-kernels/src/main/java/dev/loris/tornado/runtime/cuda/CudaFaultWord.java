package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.FaultWord;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fault word on a CUDA GPU: four bytes of device memory (outside the caching allocator, so memory
 * statistics only show the user's arrays) and four bytes of pinned host memory to read it into. A read is an
 * asynchronous copy on the stream just synchronised, then that stream's synchronisation: it never waits for
 * other streams.
 */
final class CudaFaultWord extends FaultWord {
    private final CudaDevice device;
    private final CudaBuffer word;
    private final MemorySegment host;

    CudaFaultWord(CudaDevice device, String spec) {
        super(spec);
        this.device = device;
        this.word = device.allocate(Integer.BYTES);
        MemorySegment pinned;
        try {
            word.fillInts(0);
            pinned = device.allocatePinned(Integer.BYTES);
        } catch (RuntimeException e) {
            word.close();
            throw e;
        }
        this.host = pinned;
    }

    /** The device pointer kernels take as their fault-word argument. */
    long address() {
        return word.address();
    }

    @Override
    protected int read(DeviceStream stream) {
        CudaStream on = stream == null ? device.defaultStream() : ((CudaDeviceStream) stream).cudaStream();
        word.copyToAsync(host, 0, on);
        on.synchronize();
        return host.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    protected void clear() {
        word.fillInts(0);
    }

    @Override
    public void close() {
        try {
            word.close();
        } finally {
            device.freePinned(host);
        }
    }
}
