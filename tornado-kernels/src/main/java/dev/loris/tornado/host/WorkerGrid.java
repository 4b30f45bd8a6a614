package dev.loris.tornado.host;

import dev.loris.LorisException;

import java.util.Arrays;

/**
 * The launch shape of one task (TornadoVM's name): global work in work-items per dimension, as OpenCL counts
 * it, and the local work (work-group size), each global size a multiple of its local size. With no local
 * work set, the plan picks for each dimension the largest divisor of the global size up to 256 (1D), 16 (2D)
 * or 8 (3D); kernels that depend on their group size (local arrays, reductions) must set it.
 */
public abstract sealed class WorkerGrid permits WorkerGrid1D, WorkerGrid2D, WorkerGrid3D {
    private final int dimensions;
    private final long[] global = {1, 1, 1};
    private long[] local;

    WorkerGrid(int dimensions, long x, long y, long z) {
        this.dimensions = dimensions;
        setGlobalWork(x, y, z);
    }

    public final int dimension() {
        return dimensions;
    }

    /** Sets the global work; the extents past this grid's dimensions must be 1. */
    public final void setGlobalWork(long x, long y, long z) {
        check("global", x, y, z, 0);
        global[0] = x;
        global[1] = y;
        global[2] = z;
    }

    /** Sets the work-group size; the extents past this grid's dimensions must be 1. */
    public final void setLocalWork(long x, long y, long z) {
        check("local", x, y, z, 1);
        local = new long[] {x, y, z};
    }

    /** Lets the plan choose the work-group size again. */
    public final void setLocalWorkToNull() {
        local = null;
    }

    /** The global work of this grid's dimensions (a copy). */
    public final long[] getGlobalWork() {
        return Arrays.copyOf(global, dimensions);
    }

    /** The local work of this grid's dimensions (a copy), or null when the plan chooses it. */
    public final long[] getLocalWork() {
        return local == null ? null : Arrays.copyOf(local, dimensions);
    }

    /** Work-groups per dimension, global divided by local; null while the local work is unset. */
    public final long[] getNumberOfWorkgroups() {
        if (local == null) {
            return null;
        }
        long[] groups = new long[dimensions];
        for (int d = 0; d < dimensions; d++) {
            groups[d] = global[d] / local[d];
        }
        return groups;
    }

    private void check(String which, long x, long y, long z, long minimum) {
        long[] sizes = {x, y, z};
        for (int d = 0; d < 3; d++) {
            boolean unused = d >= dimensions;
            if (sizes[d] < minimum || unused && sizes[d] != 1) {
                throw new LorisException("invalid " + which + " work " + x + " x " + y + " x " + z + " for a "
                        + dimensions + "D worker grid", "sizes are at least " + minimum + ", and 1 past the grid's "
                        + dimensions + (dimensions == 1 ? " dimension" : " dimensions"));
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + " global " + Arrays.toString(getGlobalWork()) + " local "
                + (local == null ? "(chosen by the plan)" : Arrays.toString(getLocalWork()));
    }
}
