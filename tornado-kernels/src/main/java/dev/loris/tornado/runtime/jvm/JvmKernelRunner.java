package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The JVM backend: runs a kernel over a 1D, 2D or 3D grid as plain Java, correct for every kernel the
 * device compilers accept (barriers, local arrays, atomics and simd operations included), and checking the
 * rules devices leave undefined (see {@link dev.loris.tornado.api.KernelMisuseException}).
 *
 * <p>Work-groups run in parallel: the calling thread and up to {@code cores - 1} pooled helper threads
 * ({@link KernelWorkers}) pull group numbers from a shared counter. Within a group, {@link Mode#INDEPENDENT}
 * runs the work-items in a loop ({@link SequentialGroups}), for kernels whose work-items never wait for each
 * other; {@link Mode#COOPERATIVE} makes every work-item a continuation that a barrier suspends, the group run
 * by one thread ({@link ContinuationGroups}), or, where the JVM does not give Loris its continuations
 * ({@link Continuations#AVAILABLE}), a virtual thread per work-item ({@link CooperativeGroup}).
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
        /** Work-items may synchronise (barriers, simd operations): each is a continuation (or virtual thread). */
        COOPERATIVE
    }

    /** What carries a cooperative work-item: the fast path, or the fallback (tests run both). */
    enum Cooperation {
        CONTINUATIONS, VIRTUAL_THREADS;

        /** Continuations where this JVM exports them to Loris, else virtual threads. */
        static Cooperation best() {
            return Continuations.AVAILABLE ? CONTINUATIONS : VIRTUAL_THREADS;
        }
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
        run(body, global, local, mode, Cooperation.best());
    }

    /** As {@link #run(KernelBody, long[], int[], Mode)} with cooperative groups carried as {@code cooperation} says. */
    static void run(KernelBody body, long[] global, int[] local, Mode mode, Cooperation cooperation) {
        Grid grid = Grid.of(global, local);
        long groupCount = grid.groupCount();
        if (groupCount == 0) {
            return;
        }
        RunFailures failures = new RunFailures();
        AtomicLong nextGroup = new AtomicLong();
        Runnable worker = switch (mode) {
            case INDEPENDENT -> () -> runIndependent(body, grid, nextGroup, failures);
            case COOPERATIVE -> cooperation == Cooperation.CONTINUATIONS
                    ? () -> runContinuations(body, grid, nextGroup, failures)
                    : () -> runVirtualThreads(body, grid, nextGroup, failures);
        };
        KernelWorkers.run((int) Math.min(groupCount - 1, Integer.MAX_VALUE), worker);
        failures.throwIfAny();
    }

    private static void runIndependent(KernelBody body, Grid grid, AtomicLong nextGroup, RunFailures failures) {
        SequentialGroups groups = new SequentialGroups(grid);
        long group;
        while (goOn(failures) && (group = nextGroup.getAndIncrement()) < grid.groupCount()) {
            if (!groups.run(body, group, failures)) {
                return;
            }
        }
    }

    private static void runContinuations(KernelBody body, Grid grid, AtomicLong nextGroup, RunFailures failures) {
        ContinuationGroups groups = null;
        long group;
        while (goOn(failures) && (group = nextGroup.getAndIncrement()) < grid.groupCount()) {
            if (groups == null) {
                groups = new ContinuationGroups(grid, body, failures);
            }
            if (!groups.run(group)) {
                return;
            }
        }
    }

    private static void runVirtualThreads(KernelBody body, Grid grid, AtomicLong nextGroup, RunFailures failures) {
        long group;
        while (goOn(failures) && (group = nextGroup.getAndIncrement()) < grid.groupCount()) {
            try {
                new CooperativeGroup(grid, group, failures).run(body);
            } catch (InterruptedException e) {
                failures.record("the caller of JvmKernelRunner.run (interrupted)", e);
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Whether a worker should take another group: not after a failure, nor once its thread is interrupted (only
     * the caller's can be), which fails the run; groups running elsewhere finish, the others never start.
     */
    private static boolean goOn(RunFailures failures) {
        if (failures.any()) {
            return false;
        }
        if (Thread.currentThread().isInterrupted()) {
            failures.record("the caller of JvmKernelRunner.run (interrupted)", new InterruptedException());
            return false;
        }
        return true;
    }
}
