package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayList;
import java.util.List;

/**
 * Loop-invariant code motion: a pure operation whose operands are all defined outside a loop moves to the
 * loop's preheader. Loops are visited innermost first, so an expression invariant in several nested loops
 * climbs out of all of them. Loads stay (a store in the loop, or another work-item across a barrier, may
 * change memory). Hoisting out of a conditional path is safe for operations that cannot fail; an integer
 * division by a divisor that may be zero fails (Java throws, devices record a fault), so it moves only from
 * the loop's header, which runs whenever the preheader does: it never runs where Java's would not.
 */
public final class LoopInvariantMotion {
    private LoopInvariantMotion() {
    }

    public static boolean run(Graph graph) {
        boolean changed = false;
        Dominators dom = new Dominators(graph);
        List<Loops.Loop> loops = Loops.find(graph, dom);
        for (Loops.Loop loop : loops) {
            List<Value> invariant = new ArrayList<>();
            // graph.blocks rather than the dominators' order: it includes preheaders made for inner loops.
            for (Block b : graph.blocks) {
                if (!loop.blocks().contains(b)) {
                    continue;
                }
                for (Value v : b.values) {
                    boolean runsWhenHoisted = !v.mayDivideByZero() || b == loop.header();
                    if (ValueNumbering.isPure(v.op) && runsWhenHoisted
                            && v.inputs.stream().allMatch(in -> !loop.contains(in))) {
                        invariant.add(v);
                        v.block = null; // outside the loop from now on, so its users can follow
                    }
                }
            }
            if (invariant.isEmpty()) {
                continue;
            }
            Block pre = Loops.preheader(graph, loop);
            for (Loops.Loop outer : loops) {
                if (outer != loop && outer.blocks().contains(loop.header())) {
                    outer.blocks().add(pre);
                }
            }
            for (Block b : loop.blocks()) {
                b.values.removeIf(invariant::contains);
            }
            for (Value v : invariant) {
                v.block = pre;
            }
            pre.values.addAll(invariant);
            changed = true;
        }
        return changed;
    }
}
