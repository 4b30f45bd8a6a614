package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.WorkItemHost;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs one work-group with every work-item on its own virtual thread, so work-items can wait for each other
 * at barriers and simd operations (loops with barriers inside included). A work-item that throws is recorded
 * and aborts its group; the other work-items are released from their waits and unwind.
 *
 * <p>The fallback of {@link ContinuationGroups}, which runs a group on one thread at a fraction of the cost,
 * for JVMs that do not export {@code jdk.internal.vm} to Loris (see {@link Continuations}).
 */
final class CooperativeGroup extends CooperativeHost {
    private final Grid grid;
    private final long group;
    private final RunFailures failures;

    CooperativeGroup(Grid grid, long group, RunFailures failures) {
        super(new BlockingSync(grid));
        this.grid = grid;
        this.group = group;
        this.failures = failures;
        sync.reset(group);
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

    /** The group's state under one lock; a waiting work-item blocks its virtual thread on a condition. */
    private static final class BlockingSync extends GroupSync {
        private final ReentrantLock lock = new ReentrantLock();
        /** One condition per rendezvous (by its index). */
        private final Condition[] advanced;

        BlockingSync(Grid grid) {
            super(grid);
            this.advanced = new Condition[pointCount()];
            for (int i = 0; i < advanced.length; i++) {
                advanced[i] = lock.newCondition();
            }
        }

        @Override
        protected void enter() {
            lock.lock();
        }

        @Override
        protected void exit() {
            lock.unlock();
        }

        @Override
        protected void suspend(Rendezvous point, long generation) {
            try {
                while (point.generation == generation && !aborted()) {
                    advanced[point.index].await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abortEntered();
            }
        }

        @Override
        protected void released(Rendezvous point) {
            advanced[point.index].signalAll();
        }

        @Override
        protected void releasedAll() {
            for (Condition condition : advanced) {
                condition.signalAll();
            }
        }
    }
}
