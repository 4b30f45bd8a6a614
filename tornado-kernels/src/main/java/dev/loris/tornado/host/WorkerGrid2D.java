package dev.loris.tornado.host;

/** A two-dimensional worker grid of {@code x} by {@code y} work-items. */
public final class WorkerGrid2D extends WorkerGrid {
    public WorkerGrid2D(long x, long y) {
        super(2, x, y, 1);
    }
}
