package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.WorkItemHost;

import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * What the work-items of a cooperative group ask their runtime for, the same whatever carries them: barriers and
 * simd exchanges through the group's {@link GroupSync}, local arrays by allocation order per work-item.
 * {@link ContinuationGroups} and {@link CooperativeGroup} differ only in how work-items run and wait.
 */
abstract class CooperativeHost implements WorkItemHost {
    final GroupSync sync;
    private final LocalArrays localArrays = new LocalArrays();
    /** Per work-item count of local arrays allocated so far in the current group. */
    private final int[] allocationCounts;

    CooperativeHost(GroupSync sync) {
        this.sync = sync;
        this.allocationCounts = new int[sync.groupSize()];
    }

    /** Forgets the previous group's local arrays, for a new group on the same host. */
    final void clearLocalArrays() {
        localArrays.clear();
        Arrays.fill(allocationCounts, 0);
    }

    @Override
    public final void barrier(KernelContext item, Barrier barrier) {
        sync.barrier(Grid.linearLocalId(item), barrier);
    }

    @Override
    public final Object localArray(KernelContext item, String elementType, int size, IntFunction<?> factory) {
        int ordinal = allocationCounts[Grid.linearLocalId(item)]++;
        return localArrays.obtain(ordinal, elementType, size, factory);
    }

    @Override
    public final long[] simdExchange(KernelContext item, String operation, long bits) {
        return sync.exchange(Grid.linearLocalId(item), operation, bits);
    }
}
