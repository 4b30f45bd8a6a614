package dev.loris.tornado.host;

import dev.loris.LorisException;
import dev.loris.tornado.api.DivisionByZeroException;
import dev.loris.tornado.runtime.Accelerator;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs task graphs on one accelerator (TornadoVM's name and main methods):
 * <pre>{@code
 * try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
 *     plan.withDevice("opencl:0").withGridScheduler(grids).execute();
 * }
 * }</pre>
 * The plan keeps device copies of the host arrays its graphs use (one per array, by identity) for as long as
 * it lives, honouring each transfer's {@link dev.loris.tornado.host.enums.DataTransferMode}, and compiles
 * each task once. Without {@link #withDevice} it opens "auto" (CUDA, else an OpenCL GPU, else the JVM) at the
 * first execution. {@link #close()} releases the device copies, and the accelerator if the plan opened it.
 */
public final class TornadoExecutionPlan implements AutoCloseable {
    private final List<ImmutableTaskGraph> graphs;
    private GridScheduler scheduler = new GridScheduler();
    private int selectedGraph = -1;
    private Accelerator accelerator;
    private boolean ownsAccelerator;
    private PlanDevice device;

    public TornadoExecutionPlan(ImmutableTaskGraph... graphs) {
        if (graphs.length == 0) {
            throw new LorisException("an execution plan needs at least one task graph", "pass graph.snapshot()");
        }
        Set<String> names = new HashSet<>();
        for (ImmutableTaskGraph graph : graphs) {
            if (!names.add(graph.getTaskGraphName())) {
                throw new LorisException("two task graphs of one plan are named " + graph.getTaskGraphName(),
                        "give each graph its own name: grids are keyed graph.task");
            }
        }
        this.graphs = List.of(graphs);
    }

    /** Runs on {@code accelerator}, which the caller keeps and closes. Frees device copies made elsewhere. */
    public TornadoExecutionPlan withDevice(Accelerator accelerator) {
        switchTo(accelerator, false);
        return this;
    }

    /** Runs on the accelerator {@code spec} names ({@link Accelerator#open}), which the plan opens and closes. */
    public TornadoExecutionPlan withDevice(String spec) {
        switchTo(Accelerator.open(spec), true);
        return this;
    }

    public TornadoExecutionPlan withGridScheduler(GridScheduler scheduler) {
        this.scheduler = scheduler;
        return this;
    }

    /** Executes only graph {@code index} (in the order given to the constructor) from now on. */
    public TornadoExecutionPlan withGraph(int index) {
        if (index < 0 || index >= graphs.size()) {
            throw new LorisException("this plan has no graph " + index + ": it has " + graphs.size(),
                    "graphs are numbered from 0 in the order passed to the plan");
        }
        selectedGraph = index;
        return this;
    }

    /** Executes every graph, in order, from now on (the default). */
    public TornadoExecutionPlan withAllGraphs() {
        selectedGraph = -1;
        return this;
    }

    /**
     * Runs the selected graphs in order and waits for the device; a kernel's division by zero surfaces here
     * as a {@link DivisionByZeroException}.
     */
    public TornadoExecutionResult execute() {
        PlanDevice current = device();
        if (selectedGraph >= 0) {
            current.run(graphs.get(selectedGraph), scheduler);
        } else {
            for (ImmutableTaskGraph graph : graphs) {
                current.run(graph, scheduler);
            }
        }
        return new TornadoExecutionResult(current);
    }

    /** The accelerator the plan runs on, opening "auto" if none was chosen. */
    public Accelerator getDevice() {
        return device().accelerator();
    }

    /** Releases the device copies; the next execution copies every array again (FIRST_EXECUTION included). */
    public void freeDeviceMemory() {
        if (device != null) {
            device.close();
            device = null;
        }
    }

    @Override
    public void close() {
        try {
            freeDeviceMemory();
        } finally {
            if (ownsAccelerator && accelerator != null) {
                accelerator.close();
            }
            accelerator = null;
        }
    }

    private PlanDevice device() {
        if (accelerator == null) {
            switchTo(Accelerator.open("auto"), true);
        }
        if (device == null) {
            device = new PlanDevice(accelerator);
        }
        return device;
    }

    private void switchTo(Accelerator next, boolean owned) {
        if (next == accelerator) {
            return;
        }
        Accelerator previous = accelerator;
        boolean ownedPrevious = ownsAccelerator;
        freeDeviceMemory();
        accelerator = next;
        ownsAccelerator = owned;
        if (ownedPrevious && previous != null) {
            previous.close();
        }
    }
}
