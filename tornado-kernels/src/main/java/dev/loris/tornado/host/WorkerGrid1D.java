package dev.loris.tornado.host;

/** A one-dimensional worker grid of {@code x} work-items. */
public final class WorkerGrid1D extends WorkerGrid {
    public WorkerGrid1D(long x) {
        super(1, x, 1, 1);
    }
}
