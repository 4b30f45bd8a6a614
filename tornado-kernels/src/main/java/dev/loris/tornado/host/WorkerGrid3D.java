package dev.loris.tornado.host;

/** A three-dimensional worker grid of {@code x} by {@code y} by {@code z} work-items. */
public final class WorkerGrid3D extends WorkerGrid {
    public WorkerGrid3D(long x, long y, long z) {
        super(3, x, y, z);
    }
}
