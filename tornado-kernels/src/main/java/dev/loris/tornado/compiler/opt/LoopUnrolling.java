package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Full unrolling of small loops whose trip count is a compile-time constant (after specialisation): the
 * stride loop of a reduction tree over a fixed work-group size, a fixed number of elements per thread. Each
 * iteration becomes a straight copy of the loop's blocks, which folding and value numbering then simplify;
 * on a GPU this removes the loop's compare-and-branch and lets the JIT schedule loads of all iterations
 * together. Only loops that leave through their header and have one latch qualify; the trip count is found
 * by evaluating the header's condition on the induction values, so any step (k++, stride /= 2) works.
 */
public final class LoopUnrolling {
    /** At most this many iterations, and at most {@link #MAX_VALUES} values after unrolling. */
    static final int MAX_TRIPS = 64;
    static final int MAX_VALUES = 1500;
    /**
     * The limit for a loop that indexes a work-item's own array with a value the loop computes: PTX keeps
     * such arrays in registers, which exist only under constant indices, so the loop must go (tile kernels'
     * fragment loops).
     */
    static final int MAX_VALUES_INDEXING_PRIVATE = 40000;
    static final int MAX_TRIPS_INDEXING_PRIVATE = 1024;

    private LoopUnrolling() {
    }

    /** Unrolls one qualifying loop (innermost first); true when it did. The caller re-runs until false. */
    public static boolean runOnce(Graph graph) {
        for (Loops.Loop loop : Loops.find(graph, new Dominators(graph))) {
            if (!hasSimpleShape(loop)) {
                continue;
            }
            int trips = tripCount(loop, MAX_TRIPS_INDEXING_PRIVATE);
            int size = loop.blocks().stream().mapToInt(b -> b.values.size() + b.phis.size()).sum();
            boolean required = indexesPrivateArray(loop);
            int maxTrips = required ? MAX_TRIPS_INDEXING_PRIVATE : MAX_TRIPS;
            int maxValues = required ? MAX_VALUES_INDEXING_PRIVATE : MAX_VALUES;
            if (trips >= 0 && trips <= maxTrips && (long) trips * size <= maxValues) {
                Loops.preheader(graph, loop);
                new LoopCopier(graph, loop).unroll(trips);
                return true;
            }
        }
        return false;
    }

    /** Whether the loop reads, writes or passes a work-item's own array at an index that is not a constant. */
    private static boolean indexesPrivateArray(Loops.Loop loop) {
        for (Block b : loop.blocks()) {
            for (Value v : b.values) {
                for (int i = 0; i + 1 < v.inputs.size(); i++) {
                    if (v.input(i).type == Type.PTR_PRIVATE && !v.input(i + 1).isConst()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean hasSimpleShape(Loops.Loop loop) {
        Block header = loop.header();
        if (loop.latches().size() != 1 || header.exit != Block.Exit.BRANCH
                || loop.blocks().contains(header.successors.get(0)) == loop.blocks().contains(header.successors.get(1))) {
            return false;
        }
        for (Block b : loop.blocks()) {
            if (b.values.stream().anyMatch(v -> v.op == Op.LOCAL_ARRAY)) {
                return false;
            }
            if (b != header && b.successors.stream().anyMatch(s -> !loop.blocks().contains(s))) {
                return false; // a break: the loop has several exits
            }
        }
        return true;
    }

    /** Iterations of the body, by running the header's condition on constant induction values; -1 if unknown. */
    static int tripCount(Loops.Loop loop, int maxTrips) {
        Block header = loop.header();
        Block latch = loop.latches().getFirst();
        int latchInput = header.predecessors.indexOf(latch);
        boolean continueWhenTrue = loop.blocks().contains(header.successors.get(0));
        Map<Value, Object> env = new HashMap<>();
        for (Value phi : header.phis) {
            Value entry = phi.inputs.get(latchInput == 0 ? 1 : 0);
            if (header.predecessors.size() == 2 && entry.isConst()) {
                env.put(phi, entry.constant);
            }
        }
        for (int trips = 0; trips <= maxTrips; trips++) {
            Object condition = evaluate(header.condition, env, loop, 0);
            if (!(condition instanceof Boolean taken)) {
                return -1;
            }
            if (taken != continueWhenTrue) {
                return trips;
            }
            Map<Value, Object> next = new HashMap<>();
            for (Value phi : header.phis) {
                Object value = evaluate(phi.inputs.get(latchInput), env, loop, 0);
                if (value != null) {
                    next.put(phi, value);
                }
            }
            env = next;
        }
        return -1;
    }

    private static Object evaluate(Value v, Map<Value, Object> env, Loops.Loop loop, int depth) {
        if (v.isConst()) {
            return ConstantEvaluator.operand(v);
        }
        if (env.containsKey(v)) {
            return env.get(v);
        }
        if (depth > 20 || v.op == Op.PHI || v.op.hasSideEffect() || v.op == Op.LOAD || v.inputs.isEmpty()
                || !loop.contains(v)) {
            return null;
        }
        List<Object> operands = new ArrayList<>();
        for (Value in : v.inputs) {
            Object o = evaluate(in, env, loop, depth + 1);
            if (o == null) {
                return null;
            }
            operands.add(o);
        }
        return ConstantEvaluator.evaluate(v.op, v.type, operands, v.cond, v.unordered);
    }
}
