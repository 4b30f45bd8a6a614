package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One __kernel function ready to launch: set its arguments by index (they stay set between launches), then
 * launch it over a 1-, 2- or 3-dimensional range on the device's in-order queue.
 *
 * <p>The driver copies argument values when they are set, so one kernel object may be relaunched with new
 * arguments without waiting. Argument setting is not thread-safe (OpenCL's rule, not ours).
 */
public final class OpenClKernel extends OpenClResource {
    private static final long ARGUMENT = 0;
    private static final long GLOBAL = 8;
    private static final long LOCAL = GLOBAL + 3 * 8;

    private final String name;
    /** Argument value, then the global and the local size arrays; kept so launches need no allocation. */
    private final MemorySegment scratch = Arena.ofAuto().allocate(LOCAL + 3 * 8, 8);
    private final MemorySegment globalSizes = scratch.asSlice(GLOBAL, 3 * 8);
    private final MemorySegment localSizes = scratch.asSlice(LOCAL, 3 * 8);
    /** CL_KERNEL_WORK_GROUP_SIZE, fixed once the kernel is built; read on first use, not at every launch. */
    private long maxWorkGroupSize = -1;

    OpenClKernel(OpenClDevice device, MemorySegment handle, String name) {
        super(device, handle);
        this.name = name;
    }

    public String name() {
        return name;
    }

    public OpenClKernel setBuffer(int index, OpenClBuffer buffer) {
        if (buffer.device != device) {
            throw new IllegalArgumentException("kernel '" + name + "' argument " + index
                    + ": the buffer belongs to another OpenCL device");
        }
        scratch.set(ADDRESS, ARGUMENT, buffer.handle());
        return setArgument(index, ADDRESS.byteSize(), scratch);
    }

    public OpenClKernel setInt(int index, int value) {
        scratch.set(JAVA_INT, ARGUMENT, value);
        return setArgument(index, Integer.BYTES, scratch);
    }

    public OpenClKernel setLong(int index, long value) {
        scratch.set(JAVA_LONG, ARGUMENT, value);
        return setArgument(index, Long.BYTES, scratch);
    }

    public OpenClKernel setFloat(int index, float value) {
        scratch.set(JAVA_FLOAT, ARGUMENT, value);
        return setArgument(index, Float.BYTES, scratch);
    }

    public OpenClKernel setDouble(int index, double value) {
        scratch.set(JAVA_DOUBLE, ARGUMENT, value);
        return setArgument(index, Double.BYTES, scratch);
    }

    /** Gives a {@code __local} pointer argument {@code bytes} of work-group memory per work-group. */
    public OpenClKernel setLocalMemory(int index, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("kernel '" + name + "' argument " + index
                    + ": local memory needs a positive size, not " + bytes);
        }
        return setArgument(index, bytes, MemorySegment.NULL);
    }

    private OpenClKernel setArgument(int index, long size, MemorySegment value) {
        try {
            device.cl().setKernelArg(handle(), index, size, value);
        } catch (OpenClException e) {
            throw new OpenClException(e.code(), "clSetKernelArg failed for argument " + index + " (" + size
                    + " bytes) of kernel '" + name + "': " + OpenClException.codeText(e.code()), e.hint());
        }
        return this;
    }

    /**
     * Queues the kernel over {@code global} work-items, in work-groups of {@code local} (null: the driver
     * chooses) and returns the launch's event, which the caller closes.
     */
    public OpenClEvent launch(long[] global, long[] local) {
        int dimensions = prepareRange(global, local);
        return device.enqueueWithEvent(event -> enqueueRange(dimensions, global, local, event));
    }

    /** Queues the kernel like {@link #launch} but without an event, for launches nobody waits on or times. */
    public void enqueue(long[] global, long[] local) {
        enqueueRange(prepareRange(global, local), global, local, MemorySegment.NULL);
    }

    private int prepareRange(long[] global, long[] local) {
        int dimensions = global.length;
        if (dimensions < 1 || dimensions > 3 || (local != null && local.length != dimensions)) {
            throw new IllegalArgumentException("kernel '" + name + "': a launch has 1 to 3 dimensions, the same"
                    + " for global and local sizes, not " + Arrays.toString(global) + " / "
                    + Arrays.toString(local));
        }
        for (int d = 0; d < dimensions; d++) {
            if (global[d] <= 0 || (local != null && local[d] <= 0)) {
                throw new IllegalArgumentException("kernel '" + name + "': launch sizes must be positive, not "
                        + Arrays.toString(global) + " / " + Arrays.toString(local));
            }
            scratch.set(JAVA_LONG, GLOBAL + 8L * d, global[d]);
            if (local != null) {
                scratch.set(JAVA_LONG, LOCAL + 8L * d, local[d]);
            }
        }
        checkWorkGroupSize(global, local);
        return dimensions;
    }

    /**
     * Some drivers (NVIDIA's, seen on an H100) accept a work-group larger than the kernel allows at enqueue
     * time and fail later or not at all, so the limit is checked here for every driver alike.
     */
    private void checkWorkGroupSize(long[] global, long[] local) {
        if (local == null) {
            return;
        }
        long items = 1;
        for (long l : local) {
            items *= l;
        }
        if (items > maxWorkGroupSize()) {
            throw new OpenClException(OpenClErrors.CL_INVALID_WORK_GROUP_SIZE, "launching kernel '" + name + "' over "
                    + Arrays.toString(global) + " in work-groups of " + Arrays.toString(local) + " failed: "
                    + OpenClException.codeText(OpenClErrors.CL_INVALID_WORK_GROUP_SIZE) + " (this kernel allows "
                    + "work-groups of up to " + maxWorkGroupSize() + " items)", "use smaller work-groups");
        }
    }

    private void enqueueRange(int dimensions, long[] global, long[] local, MemorySegment event) {
        try {
            device.cl().enqueueNdRangeKernel(device.queue(), handle(), dimensions, globalSizes,
                    local == null ? MemorySegment.NULL : localSizes, event);
        } catch (OpenClException e) {
            throw new OpenClException(e.code(), "launching kernel '" + name + "' over " + Arrays.toString(global)
                    + " in work-groups of " + (local == null ? "the driver's choice" : Arrays.toString(local))
                    + " failed: " + OpenClException.codeText(e.code()) + " (this kernel allows work-groups of up"
                    + " to " + maxWorkGroupSize() + " items, the device "
                    + device.capabilities().maxWorkItemSizes() + " per dimension)", e.hint());
        }
    }

    /** The largest work-group this kernel can run in on this device (registers and local memory limit it). */
    public long maxWorkGroupSize() {
        if (maxWorkGroupSize < 0) {
            maxWorkGroupSize = workGroupInfo(OpenCl.CL_KERNEL_WORK_GROUP_SIZE);
        }
        return maxWorkGroupSize;
    }

    /** The work-group size multiple the device runs best (a warp or SIMD width). */
    public long preferredWorkGroupSizeMultiple() {
        return workGroupInfo(OpenCl.CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE);
    }

    /** Local memory the kernel uses per work-group, its static __local arrays and set local arguments. */
    public long localMemBytes() {
        return workGroupInfo(OpenCl.CL_KERNEL_LOCAL_MEM_SIZE);
    }

    /**
     * The widest sub-group this kernel runs in when launched in work-groups of {@code local} (OpenCL 2.1 or
     * cl_khr_subgroups devices); an OpenClException where the device or loader cannot say.
     */
    public long maxSubGroupSize(long... local) {
        return device.cl().kernelSubGroupLong(handle(), device.deviceHandle(),
                OpenCl.CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE, local);
    }

    /** Private memory per work-item, a hint of register spills. */
    public long privateMemBytes() {
        return workGroupInfo(OpenCl.CL_KERNEL_PRIVATE_MEM_SIZE);
    }

    private long workGroupInfo(int param) {
        return device.cl().kernelWorkGroupLong(handle(), device.deviceHandle(), param);
    }

    @Override
    void release(OpenCl cl, MemorySegment handle) {
        cl.releaseKernel(handle);
    }
}
