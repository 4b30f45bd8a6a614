package dev.loris.tornado.host;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The worker grid of each task (TornadoVM's name), keyed "graphName.taskId". Loris runs KernelContext
 * kernels only (no {@code @Parallel} loops), so every task of an executed graph needs an entry here.
 */
public final class GridScheduler {
    private final Map<String, WorkerGrid> grids = new HashMap<>();

    public GridScheduler() {
    }

    /** A scheduler holding one grid, for {@code taskName} ("graph.task"). */
    public GridScheduler(String taskName, WorkerGrid grid) {
        setWorkerGrid(taskName, grid);
    }

    /** Sets (or replaces) the grid of {@code taskName}, "graphName.taskId". */
    public void setWorkerGrid(String taskName, WorkerGrid grid) {
        if (taskName == null || grid == null) {
            throw new IllegalArgumentException("a worker grid needs a task name (graph.task) and a grid");
        }
        grids.put(taskName, grid);
    }

    /** The same as {@link #setWorkerGrid} (TornadoVM has both names). */
    public void addWorkerGrid(String taskName, WorkerGrid grid) {
        setWorkerGrid(taskName, grid);
    }

    /** The grid of {@code taskName}, or null. */
    public WorkerGrid get(String taskName) {
        return grids.get(taskName);
    }

    public boolean contains(String taskName) {
        return grids.containsKey(taskName);
    }

    public Set<String> taskNames() {
        return Set.copyOf(grids.keySet());
    }
}
