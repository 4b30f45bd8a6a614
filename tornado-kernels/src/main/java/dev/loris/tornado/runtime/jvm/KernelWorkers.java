package dev.loris.tornado.runtime.jvm;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The threads that run kernels on the JVM: the caller of a run plus up to {@code cores - 1} helpers from one
 * process-wide pool of platform daemon threads, made once. A run hands its work to the helpers and does the
 * same work itself; the work takes group numbers from a shared counter, so a helper that starts late (another
 * run keeps it busy, or it was still waking up) finds fewer groups or none. Helpers that have not started when
 * the caller's own work ends are withdrawn, so the caller only ever waits for helpers that are running, and a
 * run never waits for another run: nested or concurrent runs cannot deadlock.
 *
 * <p>Platform threads, not virtual ones: the work runs continuations itself (a work-group's work-items), and
 * starting a virtual thread per worker and launch cost more than the small kernels it ran.
 */
final class KernelWorkers {
    /** Threads a run may use at most, the caller included. */
    static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final ExecutorService HELPERS = THREADS > 1 ? Executors.newFixedThreadPool(THREADS - 1, work -> {
        Thread thread = new Thread(work, "loris-jvm-kernels");
        thread.setDaemon(true);
        return thread;
    }) : null;

    private KernelWorkers() {
    }

    /**
     * Runs {@code work} on the calling thread and on up to {@code helpers} (at most THREADS - 1) pool threads
     * at once, and returns when every copy that started has returned. {@code work} must not throw (it records
     * its failures itself).
     */
    static void run(int helpers, Runnable work) {
        int count = HELPERS == null ? 0 : Math.min(helpers, THREADS - 1);
        if (count <= 0) {
            work.run();
            return;
        }
        Run run = new Run(Thread.currentThread(), work, count);
        for (int i = 0; i < count; i++) {
            HELPERS.execute(run::help);
        }
        work.run();
        run.withdrawAndWait();
    }

    /** One run's helpers: claimed (started), withdrawn (will not start) and still running. */
    private static final class Run {
        private final Thread caller;
        private final Runnable work;
        /** Helpers that may still start; each that starts or is withdrawn takes one. */
        private final AtomicInteger unclaimed;
        /** Helpers that started and have not returned. */
        private final AtomicInteger running = new AtomicInteger();

        Run(Thread caller, Runnable work, int helpers) {
            this.caller = caller;
            this.work = work;
            this.unclaimed = new AtomicInteger(helpers);
        }

        void help() {
            if (!claim()) {
                return;
            }
            try {
                work.run();
            } finally {
                if (running.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Takes one unclaimed helper slot and counts it running (in this order, so the caller sees it). */
        private boolean claim() {
            while (true) {
                int left = unclaimed.get();
                if (left == 0) {
                    return false;
                }
                running.incrementAndGet();
                if (unclaimed.compareAndSet(left, left - 1)) {
                    return true;
                }
                if (running.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /**
         * Withdraws the helpers that have not started, then waits for those running; an interrupt does not
         * cut the wait short (they may still write the kernel's arrays) but stays set for the caller.
         */
        void withdrawAndWait() {
            unclaimed.set(0);
            boolean interrupted = false;
            for (int spins = 0; running.get() > 0; spins++) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                    interrupted |= Thread.interrupted();
                }
            }
            if (interrupted) {
                caller.interrupt();
            }
        }
    }
}
