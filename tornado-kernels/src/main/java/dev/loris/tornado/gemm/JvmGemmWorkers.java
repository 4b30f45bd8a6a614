package dev.loris.tornado.gemm;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of one {@link JvmGemm}: the calling thread plus {@code threads - 1} workers of a private
 * {@link ForkJoinPool}, each with its own {@link JvmGemmCall.Workspace}, taking tiles from a shared counter
 * until none are left (tiles differ in cost at the edges, so a static split would leave threads idle). The
 * tasks are made once and re-armed per call, so running a call allocates nothing once the JIT has compiled
 * the path. One call at a time ({@link JvmGemm} serialises them).
 */
final class JvmGemmWorkers implements AutoCloseable {
    private final ForkJoinPool pool;
    private final Worker[] workers;
    private final AtomicInteger nextTile = new AtomicInteger();
    private JvmGemmCall call;
    private int tiles;

    JvmGemmWorkers(int threads) {
        this.pool = threads > 1 ? new ForkJoinPool(threads - 1) : null;
        this.workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker();
        }
    }

    int threads() {
        return workers.length;
    }

    /**
     * Runs every tile of {@code work} and returns when all are done; on the calling thread alone unless
     * {@code parallel}. A failure in any tile stops the others from taking new tiles and is rethrown once
     * every thread has stopped, so nothing writes C after this returns.
     */
    void run(JvmGemmCall work, boolean parallel) {
        call = work;
        tiles = work.tiles();
        nextTile.set(0);
        int helpers = parallel && pool != null ? Math.min(workers.length, tiles) - 1 : 0;
        for (int i = 1; i <= helpers; i++) {
            workers[i].reinitialize();
            pool.execute(workers[i]);
        }
        Throwable failure = null;
        try {
            workers[0].takeTiles();
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (int i = 1; i <= helpers; i++) {
            try {
                workers[i].join();
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        call = null;
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private final class Worker extends RecursiveAction {
        private final JvmGemmCall.Workspace workspace = new JvmGemmCall.Workspace();

        @Override
        protected void compute() {
            takeTiles();
        }

        void takeTiles() {
            try {
                for (int t = nextTile.getAndIncrement(); t < tiles; t = nextTile.getAndIncrement()) {
                    call.runTile(t, workspace);
                }
            } catch (RuntimeException | Error e) {
                nextTile.set(tiles); // the others stop after their current tile
                throw e;
            }
        }
    }
}
