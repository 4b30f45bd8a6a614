package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.ArrayTypes;
import dev.loris.tornado.runtime.CachingAllocator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

import java.lang.foreign.MemorySegment;

/**
 * A JVM "device" array: a host Loris array, either one the JVM accelerator allocated from its cache (a view
 * of a cached block) or a mirror, which is the caller's own host array. Copies are memory copies, or nothing
 * when the host array is this array itself; streams play no part, every operation is done when it returns.
 */
public final class JvmDeviceArray extends DeviceArray {
    private final TornadoNativeArray array;

    /** A mirror of {@code host}: no memory of its own. */
    JvmDeviceArray(JvmAccelerator accelerator, TornadoNativeArray host) {
        super(accelerator, host.getClass(), host.length(), null);
        this.array = host;
    }

    JvmDeviceArray(JvmAccelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                   CachingAllocator.Allocation<JvmAccelerator.HostBlock> allocation) {
        super(accelerator, type, length, allocation);
        this.array = ArrayTypes.wrap(type, allocation.block().segment().asSlice(0, length * elementBytes()));
    }

    @Override
    protected DeviceArray createView(Class<? extends TornadoNativeArray> viewType, long viewLength) {
        return new JvmDeviceArray((JvmAccelerator) accelerator(),
                ArrayTypes.wrap(viewType, array.getSegment().asSlice(0, byteSize())));
    }

    /** The host array kernels receive. */
    public TornadoNativeArray array() {
        return array;
    }

    @Override
    protected void writeHost(MemorySegment host, DeviceStream stream) {
        if (host != array.getSegment()) {
            MemorySegment.copy(host, 0, array.getSegment(), 0, host.byteSize());
        }
    }

    @Override
    protected void readHost(MemorySegment host, DeviceStream stream) {
        if (host != array.getSegment()) {
            MemorySegment.copy(array.getSegment(), 0, host, 0, host.byteSize());
        }
    }

    @Override
    protected void copyDevice(DeviceArray source, long bytes) {
        MemorySegment.copy(((JvmDeviceArray) source).array.getSegment(), 0, array.getSegment(), 0, bytes);
    }

    @Override
    protected void fill(byte value) {
        array.getSegment().fill(value);
    }
}
