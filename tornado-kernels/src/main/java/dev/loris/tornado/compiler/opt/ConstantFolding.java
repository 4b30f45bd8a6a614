package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.ConstantTable;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Constant folding, exact algebraic identities and branch folding. This is what makes specialisation pay: a
 * scalar argument the caller fixes becomes a constant in the front end, and here loop bounds, local sizes and
 * whole branches that depend on it collapse. Every rewrite keeps Java's result bit for bit (see
 * {@link ConstantEvaluator}); float identities are only the exact ones (x*1, x/1, x-0, x+(-0)).
 * Returns whether the control flow changed, in which case the caller runs {@link SsaCleanup}.
 */
public final class ConstantFolding {
    private ConstantFolding() {
    }

    public static boolean run(Graph graph) {
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<Value, Value> replacements = new HashMap<>();
            for (Block b : graph.blocks) {
                for (Value v : List.copyOf(b.phis)) {
                    changed |= fold(v);
                }
                // By index: simplification may insert a constant before the value it rewrites.
                for (int i = 0; i < b.values.size(); i++) {
                    Value v = b.values.get(i);
                    if (fold(v)) {
                        changed = true;
                        continue;
                    }
                    Value same = Simplifier.simplify(graph, v);
                    if (same == v) {
                        changed = true;
                    } else if (same != null) {
                        replacements.put(v, same);
                    }
                }
            }
            Uses.replaceAll(graph, replacements);
            for (Block b : graph.blocks) {
                b.values.removeIf(replacements::containsKey);
            }
            changed |= !replacements.isEmpty();
        }
        return foldBranches(graph);
    }

    /** Turns v into a constant in place when its operands are all constants; true if it did. */
    static boolean fold(Value v) {
        if (v.op == Op.CONST || v.op.hasSideEffect() || v.inputs.isEmpty()) {
            return false;
        }
        if (v.op == Op.PHI) {
            return foldPhi(v);
        }
        if (v.op == Op.LOAD && v.input(0).op == Op.TABLE) {
            return foldTableLoad(v);
        }
        List<Object> operands = new ArrayList<>(v.inputs.size());
        for (Value in : v.inputs) {
            if (!in.isConst()) {
                return false;
            }
            operands.add(ConstantEvaluator.operand(in));
        }
        Object result = ConstantEvaluator.evaluate(v.op, v.type, operands, v.cond, v.unordered);
        if (result == null) {
            return false;
        }
        makeConstant(v, result);
        return true;
    }

    /**
     * An element of a constant table at a constant index is known now; an index out of range stays a load
     * (the JVM throws there, a device reads what lies beyond, as for any array).
     */
    private static boolean foldTableLoad(Value load) {
        ConstantTable table = (ConstantTable) load.input(0).constant;
        Value index = load.input(1);
        if (!index.isConst() || index.longValue() < 0 || index.longValue() >= table.length()) {
            return false;
        }
        makeConstant(load, table.element((int) index.longValue()));
        load.mem = null;
        return true;
    }

    /** A phi whose inputs are all the same constant (other than itself) is that constant. */
    private static boolean foldPhi(Value phi) {
        Object common = null;
        for (Value in : phi.inputs) {
            if (in == phi) {
                continue;
            }
            if (!in.isConst() || (common != null && !common.equals(in.constant))) {
                return false;
            }
            common = in.constant;
        }
        if (common == null) {
            return false;
        }
        makeConstant(phi, common);
        phi.block.phis.remove(phi);
        phi.block.values.addFirst(phi);
        return true;
    }

    static void makeConstant(Value v, Object result) {
        v.op = Op.CONST;
        v.inputs.clear();
        v.constant = result;
    }

    /** A branch on a constant becomes a jump; the dead edge and its phi inputs go. */
    private static boolean foldBranches(Graph graph) {
        boolean changed = false;
        for (Block b : graph.blocks) {
            if (b.exit != Block.Exit.BRANCH || !b.condition.isConst()) {
                continue;
            }
            boolean taken = b.condition.longValue() != 0;
            Block target = b.successors.get(taken ? 0 : 1);
            Block dead = b.successors.get(taken ? 1 : 0);
            removeOneEdge(b, dead);
            b.exit = Block.Exit.JUMP;
            b.condition = null;
            b.successors.clear();
            b.successors.add(target);
            changed = true;
        }
        return changed;
    }

    private static void removeOneEdge(Block pred, Block succ) {
        int i = succ.predecessors.lastIndexOf(pred);
        succ.predecessors.remove(i);
        for (Value phi : succ.phis) {
            phi.inputs.remove(i);
        }
    }
}
