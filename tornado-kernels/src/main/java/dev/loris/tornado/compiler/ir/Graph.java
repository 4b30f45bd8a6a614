package dev.loris.tornado.compiler.ir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One kernel in SSA form: its parameters, its blocks (the first is the entry) and the factory for values,
 * which hands out ids. Passes and emitters walk {@link #blocks} in order; {@link #dump()} prints it for tests
 * and for error reports.
 */
public final class Graph {
    /** A kernel parameter: the Java name, the IR type, and for pointers the element type. */
    public record Param(String name, Type type, MemType element, boolean isContext) {
    }

    public final String name;
    /** The kernel as errors name it, "package.Class.method" (the front end sets it; {@link #name} before). */
    public String kernel;
    public final List<Param> params = new ArrayList<>();
    public final List<Block> blocks = new ArrayList<>();
    /**
     * The source positions of the divisions the device checks for a zero divisor, numbered as their
     * {@code Value.index}; when not empty, the last two parameters are the fault word and the fault code base
     * that {@code DivisionChecks} added.
     */
    public final List<StackTraceElement> faultSites = new ArrayList<>();
    /**
     * The indexes of the hidden length parameters of arrays whose {@code getSize()} the kernel calls. Java
     * throws there for an array of 2^31 elements or more, which a device cannot; launches refuse such arrays
     * for these parameters instead, on every backend.
     */
    public final Set<Integer> intSizedLengths = new HashSet<>();
    /** From the kernel's {@code @LaunchBounds}: the largest work-group and the groups wanted per processor (0: none). */
    public int maxGroupSize;
    public int minGroupsPerProcessor;
    private int nextValue;
    private int nextBlock;

    public Graph(String name) {
        this.name = name;
        this.kernel = name;
    }

    public Block newBlock() {
        Block block = new Block(nextBlock++);
        blocks.add(block);
        return block;
    }

    public Block entry() {
        return blocks.getFirst();
    }

    /** A new value, not yet placed in a block. */
    public Value create(Op op, Type type, Value... inputs) {
        return new Value(nextValue++, op, type, List.of(inputs));
    }

    public Value append(Block block, Op op, Type type, Value... inputs) {
        Value value = create(op, type, inputs);
        value.block = block;
        block.values.add(value);
        return value;
    }

    public Value addPhi(Block block, Type type) {
        Value phi = create(Op.PHI, type);
        phi.block = block;
        block.phis.add(phi);
        return phi;
    }

    public int valueCount() {
        return nextValue;
    }

    public String dump() {
        StringBuilder s = new StringBuilder("kernel ").append(name).append(params).append('\n');
        if (!faultSites.isEmpty()) {
            s.append("fault sites ").append(faultSites).append('\n');
        }
        for (Block b : blocks) {
            s.append(b).append(" preds ").append(b.predecessors).append(":\n");
            for (Value v : b.phis) {
                s.append("  ").append(v).append('\n');
            }
            for (Value v : b.values) {
                s.append("  ").append(v).append('\n');
            }
            s.append("  ").append(b.exit);
            if (b.condition != null) {
                s.append(" v").append(b.condition.id);
            }
            s.append(' ').append(b.successors).append('\n');
        }
        return s.toString();
    }
}
