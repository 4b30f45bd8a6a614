package dev.loris.tornado.api;

import java.util.function.IntFunction;

/**
 * The host of a KernelContext made with {@code new KernelContext()}: a grid of one work-item in a group of
 * one. Barriers have nobody to wait for, each local allocation is private, and simd operations are refused
 * because a warp needs 32 work-items.
 */
final class SoloWorkItem implements WorkItemHost {
    static final SoloWorkItem INSTANCE = new SoloWorkItem();

    private SoloWorkItem() {
    }

    @Override
    public void barrier(KernelContext item, Barrier barrier) {
        // A group of one has reached every barrier as soon as its only work-item has.
    }

    @Override
    public Object localArray(KernelContext item, String elementType, int size, IntFunction<?> factory) {
        return factory.apply(size);
    }

    @Override
    public long[] simdExchange(KernelContext item, String operation, long bits) {
        throw new KernelMisuseException(operation + "() needs a work-group of a multiple of "
                + KernelContext.WARP_SIZE + " work-items, but this KernelContext is a single work-item",
                "run the kernel through JvmKernelRunner (or a device) with a local size that is a multiple of 32");
    }
}
