package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;

import java.util.Arrays;

/**
 * Runs the work-groups of a cooperative kernel ({@link JvmKernelRunner.Mode#COOPERATIVE}) one after another on
 * the calling thread, every work-item a {@linkplain Continuations continuation}: the group's loop resumes each
 * work-item that may run, in local-id order, and a work-item runs until it reaches a barrier or simd operation
 * the others have not (it suspends) or returns. One pass over the group thus moves every work-item from one
 * barrier to the next; the work-item that completes a barrier goes on without suspending.
 *
 * <p>Made once per worker and kernel run, and reused for all the groups the worker takes: each work-item's
 * continuation runs the kernel for group after group (it suspends at the end of each), so a group costs no
 * thread and no continuation, only fresh KernelContexts and local arrays. The misuse checks and failure rules
 * are {@link GroupSync}'s, as with a virtual thread per work-item ({@link CooperativeGroup}): a work-item that
 * throws is recorded and aborts its group, and the group's waiting work-items are resumed to unwind.
 */
final class ContinuationGroups extends CooperativeHost {
    private final Grid grid;
    private final JvmKernelRunner.KernelBody body;
    private final RunFailures failures;
    private final KernelContext[] items;
    private final Object[] continuations;
    /** Per work-item: whether it has ended in the current group (returned, failed or unwound). */
    private final boolean[] ended;
    private boolean groupFailed;

    ContinuationGroups(Grid grid, JvmKernelRunner.KernelBody body, RunFailures failures) {
        super(new YieldingSync(grid));
        this.grid = grid;
        this.body = body;
        this.failures = failures;
        int size = grid.groupSize();
        this.items = new KernelContext[size];
        this.continuations = new Object[size];
        this.ended = new boolean[size];
    }

    /** Runs group {@code group}; returns false, with the failure recorded, when a work-item failed. */
    boolean run(long group) {
        sync.reset(group);
        clearLocalArrays();
        Arrays.fill(ended, false);
        groupFailed = false;
        for (int linear = 0; linear < items.length; linear++) {
            // Fresh contexts: a work-item's context holds state of its own (async copies not waited for).
            KernelContext item = new KernelContext(this);
            grid.placeGroup(item, group);
            grid.placeItem(item, linear);
            items[linear] = item;
        }
        if (items.length == 1) {
            // A lone work-item completes every barrier it reaches: run it on this thread, no continuation.
            runItem(0);
            return !groupFailed;
        }
        boolean resumed;
        do {
            resumed = false;
            for (int linear = 0; linear < items.length; linear++) {
                if (!ended[linear] && sync.mayRun(linear)) {
                    Continuations.resume(continuation(linear));
                    resumed = true;
                }
            }
        } while (resumed);
        return !groupFailed;
    }

    private Object continuation(int linear) {
        if (continuations[linear] == null) {
            continuations[linear] = Continuations.create(() -> runItemForEveryGroup(linear));
        }
        return continuations[linear];
    }

    /** A work-item's continuation: runs the kernel for the current group, suspends, and does it again. */
    private void runItemForEveryGroup(int linear) {
        while (true) {
            runItem(linear);
            Continuations.suspend("the end of a work-item");
        }
    }

    /** Runs work-item {@code linear} of the current group to its end; a failure is recorded and aborts the group. */
    private void runItem(int linear) {
        KernelContext item = items[linear];
        try {
            body.run(item);
            sync.finished(linear);
        } catch (GroupSync.Aborted aborted) {
            // Released because another work-item failed; that failure is already recorded.
        } catch (Throwable failure) {
            failures.record(item, failure);
            groupFailed = true;
            sync.abort();
        }
        ended[linear] = true;
    }

    /**
     * The group's state without a lock (every work-item runs on this thread); a waiting work-item suspends its
     * continuation, and the group's loop resumes it once {@link GroupSync#mayRun} says so.
     */
    private static final class YieldingSync extends GroupSync {
        YieldingSync(Grid grid) {
            super(grid);
        }

        @Override
        protected void enter() {
        }

        @Override
        protected void exit() {
        }

        @Override
        protected void suspend(Rendezvous point, long generation) {
            while (point.generation == generation && !aborted()) {
                Continuations.suspend(point.label);
            }
        }

        @Override
        protected void released(Rendezvous point) {
        }

        @Override
        protected void releasedAll() {
        }
    }
}
