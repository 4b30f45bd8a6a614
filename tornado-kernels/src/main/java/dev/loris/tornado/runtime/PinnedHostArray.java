package dev.loris.tornado.runtime;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;

/**
 * Host memory that an accelerator's asynchronous copies reach directly, seen as a Loris host array for
 * {@link DeviceArray#copyToAsync} / {@link DeviceArray#copyFromAsync}: page-locked memory from the driver
 * (cuMemHostAlloc) on CUDA, so a copy on another stream overlaps kernels; plain native memory on OpenCL (its
 * one in-order queue does not overlap copies with kernels anyway) and on the JVM (copies are memory copies).
 * Made by {@link Accelerator#allocatePinned}; counted in {@link Accelerator#pinnedBytes()}.
 *
 * <p>Close it only after the copies that use it have completed (synchronise their stream first): the memory
 * is reusable at once (the accelerator keeps it for the next pinned array of its size, until
 * {@link Accelerator#emptyCache()}). The accelerator frees everything when it closes.
 */
public final class PinnedHostArray implements AutoCloseable {
    /** The raw memory a backend hands out and how it is given back. */
    public record HostMemory(MemorySegment segment, Runnable free) {
    }

    private final Accelerator accelerator;
    private final TornadoNativeArray array;
    private final CachingAllocator.Allocation<HostMemory> memory;
    private boolean closed;

    PinnedHostArray(Accelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                    CachingAllocator.Allocation<HostMemory> memory) {
        this.accelerator = accelerator;
        this.memory = memory;
        this.array = ArrayTypes.wrap(type,
                memory.block().segment().asSlice(0, length * ArrayTypes.elementBytes(type)));
    }

    /** The memory as a host array of the type and length asked for; unusable after {@link #close()}. */
    public TornadoNativeArray array() {
        if (closed) {
            throw new IllegalStateException("a closed pinned host array of " + accelerator.description());
        }
        return array;
    }

    public long byteSize() {
        return array.getSegment().byteSize();
    }

    /**
     * Gives the memory back (idempotent): to the accelerator's cache, for the next pinned array of its size;
     * the copies using it must have completed.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            accelerator.pinnedReleased(this);
            memory.release();
        }
    }

    @Override
    public String toString() {
        return "pinned " + array.getClass().getSimpleName() + "[" + array.length() + "] of " + accelerator.spec();
    }
}
