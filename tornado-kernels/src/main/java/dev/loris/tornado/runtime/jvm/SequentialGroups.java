package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.KernelMisuseException;
import dev.loris.tornado.api.WorkItemHost;

import java.util.function.IntFunction;

/**
 * Runs work-groups of a kernel that needs no group synchronisation ({@link JvmKernelRunner.Mode#INDEPENDENT}):
 * the work-items of a group one after another on the worker's thread, all through one reused KernelContext.
 * Local arrays still work (shared by the group's items, in order); barriers and simd operations are refused,
 * since a work-item cannot wait for one that runs after it.
 */
final class SequentialGroups implements WorkItemHost {
    private final Grid grid;
    private final KernelContext item = new KernelContext(this);
    private final LocalArrays localArrays = new LocalArrays();
    private int allocationCount;

    SequentialGroups(Grid grid) {
        this.grid = grid;
    }

    /** Runs group {@code group}; returns false, with the failure recorded, when a work-item threw. */
    boolean run(JvmKernelRunner.KernelBody body, long group, RunFailures failures) {
        localArrays.clear();
        grid.placeGroup(item, group);
        int[] local = grid.local();
        // x fastest, as the linear local id counts; ids set directly (no division per work-item)
        for (int z = 0; z < local[2]; z++) {
            for (int y = 0; y < local[1]; y++) {
                for (int x = 0; x < local[0]; x++) {
                    grid.placeItem(item, x, y, z);
                    allocationCount = 0;
                    try {
                        body.run(item);
                    } catch (Throwable failure) {
                        failures.record(item, failure);
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public void barrier(KernelContext caller, Barrier barrier) {
        throw needsCooperation(barrier.call());
    }

    @Override
    public Object localArray(KernelContext caller, String elementType, int size, IntFunction<?> factory) {
        return localArrays.obtain(allocationCount++, elementType, size, factory);
    }

    @Override
    public long[] simdExchange(KernelContext caller, String operation, long bits) {
        throw needsCooperation(operation + "()");
    }

    private static KernelMisuseException needsCooperation(String call) {
        return new KernelMisuseException(call + " makes work-items wait for each other, but the kernel was run with "
                + "Mode.INDEPENDENT, which runs them one after another",
                "run it with JvmKernelRunner.Mode.COOPERATIVE (the default)");
    }
}
