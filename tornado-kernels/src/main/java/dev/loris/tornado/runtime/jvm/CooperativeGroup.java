package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.WorkItemHost;

import java.util.function.IntFunction;

/**
 * Runs one work-group with every work-item on its own virtual thread, so work-items can wait for each other
 * at barriers and simd operations (loops with barriers inside included). A work-item that throws is recorded
 * and aborts its group; the other work-items are released from their waits and unwind.
 */
final class CooperativeGroup implements WorkItemHost {
    private final Grid grid;
    private final long group;
    private final RunFailures failures;
    private final GroupSync sync;
    private final LocalArrays localArrays = new LocalArrays();
    /** Per work-item count of local arrays allocated so far; each entry is touched by its own thread only. */
    private final int[] allocationCounts;

    CooperativeGroup(Grid grid, long group, RunFailures failures) {
        this.grid = grid;
        this.group = group;
        this.failures = failures;
        this.allocationCounts = new int[grid.groupSize()];
        this.sync = new GroupSync(grid.groupSize(), "work-group " + grid.describeGroup(group), grid::describeLocal);
    }

    /** Runs every work-item of the group and returns when all have ended. */
    void run(JvmKernelRunner.KernelBody body) throws InterruptedException {
        Thread[] threads = new Thread[grid.groupSize()];
        for (int linear = 0; linear < threads.length; linear++) {
            KernelContext item = new KernelContext(this);
            grid.placeGroup(item, group);
            grid.placeItem(item, linear);
            threads[linear] = Thread.ofVirtual().unstarted(() -> runItem(body, item));
        }
        for (Thread thread : threads) {
            thread.start();
        }
        try {
            for (Thread thread : threads) {
                thread.join();
            }
        } catch (InterruptedException e) {
            sync.abort();
            throw e;
        }
    }

    private void runItem(JvmKernelRunner.KernelBody body, KernelContext item) {
        try {
            body.run(item);
            sync.finished(Grid.linearLocalId(item));
        } catch (GroupSync.Aborted aborted) {
            // Released because another work-item failed; that failure is already recorded.
        } catch (Throwable failure) {
            failures.record(item, failure);
            sync.abort();
        }
    }

    @Override
    public void barrier(KernelContext item, Barrier barrier) {
        sync.barrier(Grid.linearLocalId(item), barrier);
    }

    @Override
    public Object localArray(KernelContext item, String elementType, int size, IntFunction<?> factory) {
        int ordinal = allocationCounts[Grid.linearLocalId(item)]++;
        return localArrays.obtain(ordinal, elementType, size, factory);
    }

    @Override
    public long[] simdExchange(KernelContext item, String operation, long bits) {
        return sync.exchange(Grid.linearLocalId(item), operation, bits);
    }
}
