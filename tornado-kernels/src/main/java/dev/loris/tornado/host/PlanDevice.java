package dev.loris.tornado.host;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.host.enums.DataTransferMode;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What an execution plan holds on its accelerator: one device copy per host array (by identity, shared by
 * every graph of the plan), a launcher per task, and which copies already happened, so that transfer modes
 * are honoured. On the JVM a device copy is the host array itself and copies do nothing.
 *
 * <p>A device copy made for an array no graph has copied to the device yet starts poisoned (0xFF bytes, NaN
 * as floats): a kernel reading memory nobody wrote sees NaN, not stale data that happens to look right.
 */
final class PlanDevice implements AutoCloseable {
    private final Accelerator accelerator;
    private final Map<Object, DeviceArray> copies = new IdentityHashMap<>();
    private final Set<Object> sentOnce = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<String> executedGraphs = new java.util.HashSet<>();
    private final Map<GraphStep.Task, KernelLaunch> launchers = new IdentityHashMap<>();

    PlanDevice(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    Accelerator accelerator() {
        return accelerator;
    }

    /** Runs every step of {@code graph} in order, then waits for the device. */
    void run(ImmutableTaskGraph graph, GridScheduler scheduler) {
        boolean firstExecution = executedGraphs.add(graph.getTaskGraphName());
        for (GraphStep step : graph.steps()) {
            switch (step) {
                case GraphStep.Transfer t when t.toDevice() -> toDevice(t);
                case GraphStep.Transfer t -> toHost(t, firstExecution);
                case GraphStep.Consume c -> c.arrays().forEach(array -> requireCopy(graph, array));
                case GraphStep.Task task -> launch(graph, task, scheduler);
            }
        }
        accelerator.synchronize();
    }

    private void toDevice(GraphStep.Transfer transfer) {
        for (Object array : transfer.arrays()) {
            DeviceArray copy = copyOf(array);
            if (transfer.mode() == DataTransferMode.EVERY_EXECUTION || sentOnce.add(array)) {
                copy.copyFrom((TornadoNativeArray) array);
            }
        }
    }

    private void toHost(GraphStep.Transfer transfer, boolean firstExecution) {
        boolean now = transfer.mode() == DataTransferMode.EVERY_EXECUTION
                || transfer.mode() == DataTransferMode.FIRST_EXECUTION && firstExecution;
        if (now) {
            transfer.arrays().forEach(this::copyToHost);
        }
    }

    /** Copies {@code array}'s device copy to it; the copy must exist. */
    void copyToHost(Object array) {
        DeviceArray copy = copies.get(array);
        if (copy == null) {
            throw new LorisException("cannot copy " + array + " to the host: no graph of this plan has used it on "
                    + accelerator.spec(), "pass the array the graph's tasks or transfers use");
        }
        copy.copyTo((TornadoNativeArray) array);
    }

    private void requireCopy(ImmutableTaskGraph graph, Object array) {
        if (!copies.containsKey(array)) {
            throw new LorisException("task graph " + graph.getTaskGraphName() + " consumes " + array
                    + " from the device, but no earlier graph of this plan put it there",
                    "run the producing graph first (plan.withAllGraphs()), or transfer the array to the device");
        }
    }

    private DeviceArray copyOf(Object array) {
        DeviceArray copy = copies.get(array);
        if (copy == null) {
            copy = accelerator.mirror((TornadoNativeArray) array);
            if (!accelerator.sharesHostMemory()) {
                copy.poison();
            }
            copies.put(array, copy);
        }
        return copy;
    }

    private void launch(ImmutableTaskGraph graph, GraphStep.Task task, GridScheduler scheduler) {
        String name = graph.getTaskGraphName() + "." + task.id();
        WorkerGrid grid = scheduler.get(name);
        if (grid == null) {
            throw new LorisException("task " + name + " has no worker grid",
                    "Loris runs KernelContext kernels, not @Parallel loops: give the task a grid with "
                            + "gridScheduler.setWorkerGrid(\"" + name + "\", new WorkerGrid1D(n)) and pass the "
                            + "scheduler to plan.withGridScheduler(gridScheduler)");
        }
        KernelLaunch launcher = launchers.get(task);
        if (launcher == null) {
            launcher = newLauncher(task);
            launchers.put(task, launcher);
        }
        long[] global = grid.getGlobalWork();
        long[] local = grid.getLocalWork();
        launcher.launch(global, local != null ? local : defaultLocal(global), accelerator.defaultStream());
    }

    /** Compiles the task's kernel with its scalar arguments as constants and binds every argument once. */
    private KernelLaunch newLauncher(GraphStep.Task task) {
        Map<Integer, Object> constants = new HashMap<>();
        Object[] arguments = new Object[task.arguments().size()];
        for (int i = 0; i < arguments.length; i++) {
            Object argument = task.arguments().get(i);
            if (argument instanceof TornadoNativeArray) {
                arguments[i] = copyOf(argument);
            } else if (argument instanceof KernelContext) {
                arguments[i] = null;
            } else {
                constants.put(i, argument);
                arguments[i] = argument;
            }
        }
        CompiledKernel kernel = accelerator.compile(task.kernel(), constants);
        return kernel.launcher().setArguments(arguments);
    }

    /**
     * The work-group size when the grid sets none: per dimension the largest divisor of the global size up to
     * 256 in 1D, 16 in 2D, 8 in 3D (so groups stay at most 256 or 512 work-items).
     */
    static long[] defaultLocal(long[] global) {
        long limit = global.length == 1 ? 256 : global.length == 2 ? 16 : 8;
        long[] local = new long[global.length];
        for (int d = 0; d < global.length; d++) {
            local[d] = 1;
            for (long candidate = Math.min(limit, global[d]); candidate > 1; candidate--) {
                if (global[d] % candidate == 0) {
                    local[d] = candidate;
                    break;
                }
            }
        }
        return local;
    }

    /** Releases the device copies and launchers; the host arrays keep what was copied back. */
    @Override
    public void close() {
        if (accelerator.isClosed()) {
            return;
        }
        RuntimeException failure = null;
        for (KernelLaunch launcher : launchers.values()) {
            try {
                launcher.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        for (DeviceArray copy : copies.values()) {
            copy.close();
        }
        launchers.clear();
        copies.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
