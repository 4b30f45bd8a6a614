package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JVM backend: runs a kernel over a 1D, 2D or 3D grid as plain Java, correct for every kernel the
 * device compilers accept (barriers, local arrays, atomics and simd operations included), and checking the
 * rules devices leave undefined (see {@link dev.loris.tornado.api.KernelMisuseException}).
 *
 * <p>Work-groups run in parallel, one worker per core pulling group numbers from a shared counter; workers
 * are virtual threads (scheduled on the JDK's ForkJoinPool), so a worker waiting for its group's work-items
 * blocks no carrier. Within a group, {@link Mode#COOPERATIVE} gives every work-item a virtual thread so they
 * can wait for each other; {@link Mode#INDEPENDENT} runs them in a loop, far cheaper, for kernels whose
 * work-items never wait for each other.
 *
 * <p>An exception in any work-item fails the whole run with a {@link KernelFailedException} naming the
 * work-item; its group's other work-items are released, groups not yet started never start, and groups
 * already running finish. Writes the kernel made before the failure stay. Global memory is not ordered
 * between groups during a run, as on devices; everything is visible to the caller once {@code run} returns.
 */
public final class JvmKernelRunner {

    /** How the work-items of a group execute. */
    public enum Mode {
        /** Work-items never wait for each other: no barriers, no simd operations. Run in a loop. */
        INDEPENDENT,
        /** Work-items may synchronise (barriers, simd operations). Each runs on its own virtual thread. */
        COOPERATIVE
    }

    /** A kernel call with its arguments bound: {@code ctx -> MyKernels.axpy(ctx, a, x, y)}. */
    @FunctionalInterface
    public interface KernelBody {
        void run(KernelContext ctx);
    }

    private JvmKernelRunner() {
    }

    /** Runs {@code body} cooperatively over the grid; {@code global} and {@code local} have 1 to 3 dimensions. */
    public static void run(KernelBody body, long[] global, int[] local) {
        run(body, global, local, Mode.COOPERATIVE);
    }

    /**
     * Runs {@code body} over the grid. Every global size must be a multiple of the local size of its
     * dimension; ids must fit an int.
     */
    public static void run(KernelBody body, long[] global, int[] local, Mode mode) {
        Grid grid = Grid.of(global, local);
        long groupCount = grid.groupCount();
        if (groupCount == 0) {
            return;
        }
        RunFailures failures = new RunFailures();
        AtomicLong nextGroup = new AtomicLong();
        int workers = (int) Math.min(groupCount, Runtime.getRuntime().availableProcessors());
        List<Thread> threads = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            Runnable worker = mode == Mode.INDEPENDENT
                    ? () -> runIndependent(body, grid, nextGroup, failures)
                    : () -> runCooperative(body, grid, nextGroup, failures);
            threads.add(Thread.ofVirtual().name("jvm-kernel-worker-" + w).start(worker));
        }
        joinAll(threads, failures);
        failures.throwIfAny();
    }

    private static void runIndependent(KernelBody body, Grid grid, AtomicLong nextGroup, RunFailures failures) {
        SequentialGroups groups = new SequentialGroups(grid);
        long group;
        while (!failures.any() && (group = nextGroup.getAndIncrement()) < grid.groupCount()) {
            if (!groups.run(body, group, failures)) {
                return;
            }
        }
    }

    private static void runCooperative(KernelBody body, Grid grid, AtomicLong nextGroup, RunFailures failures) {
        long group;
        while (!failures.any() && (group = nextGroup.getAndIncrement()) < grid.groupCount()) {
            try {
                new CooperativeGroup(grid, group, failures).run(body);
            } catch (InterruptedException e) {
                failures.record("work-group " + grid.describeGroup(group), e);
                return;
            }
        }
    }

    /** Waits for the workers; if the caller is interrupted, stops them (their groups abort) and fails. */
    private static void joinAll(List<Thread> threads, RunFailures failures) {
        try {
            for (Thread thread : threads) {
                thread.join();
            }
        } catch (InterruptedException e) {
            failures.record("the caller of JvmKernelRunner.run (interrupted)", e);
            threads.forEach(Thread::interrupt);
            Thread.currentThread().interrupt();
        }
    }
}
