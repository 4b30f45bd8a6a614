package dev.loris.tornado.host;

import java.util.List;

/** A task graph frozen by {@link TaskGraph#snapshot()} (TornadoVM's name): what an execution plan runs. */
public final class ImmutableTaskGraph {
    private final String name;
    private final List<GraphStep> steps;

    ImmutableTaskGraph(String name, List<GraphStep> steps) {
        this.name = name;
        this.steps = steps;
    }

    public String getTaskGraphName() {
        return name;
    }

    List<GraphStep> steps() {
        return steps;
    }

    @Override
    public String toString() {
        return "task graph " + name + " (" + steps.size() + " steps)";
    }
}
