package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.List;

/**
 * Small branches become selects. javac compiles {@code c ? x : y} as a branch whose two arms merge in a phi; in
 * an unrolled tile loop (FlashAttention's mask, 32 scores a lane) that is dozens of tiny blocks. Here a branch
 * whose arms are short, free of side effects and cannot fault (no loads, no integer division, no expensive
 * math) has its arms' values moved up before the branch and every phi of the join becomes
 * {@code SELECT(condition, value on the true path, value on the false path)}: both arms then always run,
 * which costs their few instructions and saves the branch.
 *
 * <p>Shapes: a diamond (both arms lead to the same join) and a triangle (one arm, the other edge goes to the
 * join directly). An empty block that only forwards to a join is bypassed first, its predecessors jumping to
 * the join themselves, so nested diamonds collapse one by one. Java semantics are unchanged: the moved values
 * are pure, so computing one whose result is not selected has no effect. Run {@link SsaCleanup} afterwards.
 * What it gave, by ptxas on sm_90: the FlashAttention forward's SASS 6,744 -> 6,624 instructions, the backward
 * kernels 1-2% fewer, registers the same.
 */
public final class IfConversion {
    /** Arms longer than this (constants not counted) stay branches: speculating them would cost more. */
    static final int MAX_ARM_VALUES = 6;

    private IfConversion() {
    }

    /** Converts every eligible branch; true when the graph changed. */
    public static boolean run(Graph graph) {
        boolean any = false;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : List.copyOf(graph.blocks)) {
                if (graph.blocks.contains(b) && (bypassForwarder(graph, b) || convert(graph, b))) {
                    changed = true;
                    any = true;
                }
            }
        }
        return any;
    }

    /**
     * An empty block that only jumps on: its predecessors jump to its target themselves. Not a block that
     * forwards a constant (javac's 0 or 1 of {@code a && b}): turning whole short-circuit chains into integer
     * selects measured worse than ptxas' own predication of those branches (more instructions, and spills in
     * the FlashAttention backward on sm_80), so those stay branches.
     */
    private static boolean bypassForwarder(Graph graph, Block e) {
        if (e == graph.entry() || e.exit != Block.Exit.JUMP || !e.phis.isEmpty() || !e.values.isEmpty()) {
            return false;
        }
        Block join = e.successors.getFirst();
        if (join == e || join.phis.isEmpty()) {
            return false; // SsaCleanup's jump chains handle joins without phis
        }
        for (Block p : e.predecessors) {
            if (p == e || join.predecessors.contains(p) || p.successors.stream().filter(s -> s == e).count() > 1) {
                return false;
            }
        }
        int edge = join.predecessors.indexOf(e);
        List<Value> carried = join.phis.stream().map(phi -> phi.input(edge)).toList();
        SsaCleanup.removeEdge(e, join);
        for (Block p : List.copyOf(e.predecessors)) {
            p.successors.replaceAll(s -> s == e ? join : s);
            join.predecessors.add(p);
            for (int i = 0; i < join.phis.size(); i++) {
                join.phis.get(i).inputs.add(carried.get(i));
            }
        }
        e.predecessors.clear();
        e.successors.clear();
        graph.blocks.remove(e);
        return true;
    }

    /** A diamond or triangle headed by {@code head} turned into straight-line selects. */
    private static boolean convert(Graph graph, Block head) {
        if (head.exit != Block.Exit.BRANCH) {
            return false;
        }
        Block ifTrue = head.successors.get(0);
        Block ifFalse = head.successors.get(1);
        if (ifTrue == ifFalse) {
            return false;
        }
        Block join = joinOf(head, ifTrue, ifFalse);
        if (join == null || join == head || join.predecessors.stream().filter(p -> p == head).count() > 1) {
            return false;
        }
        for (Value phi : join.phis) {
            if (!selectable(phi.type)) {
                return false;
            }
        }
        Block trueEdge = ifTrue == join ? head : ifTrue;   // the predecessor of join on each path
        Block falseEdge = ifFalse == join ? head : ifFalse;
        Value condition = head.condition;
        for (Block arm : List.of(ifTrue, ifFalse)) {
            if (arm != join) {
                SsaCleanup.moveValues(arm, head);
            }
        }
        int t = join.predecessors.indexOf(trueEdge);
        int f = join.predecessors.indexOf(falseEdge);
        List<Value> selects = join.phis.stream()
                .map(phi -> graph.append(head, Op.SELECT, phi.type, condition, phi.input(t), phi.input(f)))
                .toList();
        for (Block arm : List.of(ifTrue, ifFalse)) {
            if (arm != join) {
                SsaCleanup.removeEdge(arm, join);
                arm.predecessors.clear();
                arm.successors.clear();
                graph.blocks.remove(arm);
            }
        }
        if (join.predecessors.contains(head)) { // a triangle's direct edge
            SsaCleanup.removeEdge(head, join);
        }
        head.exit = Block.Exit.JUMP;
        head.condition = null;
        head.successors.clear();
        head.successors.add(join);
        join.predecessors.add(head);
        for (int i = 0; i < join.phis.size(); i++) {
            join.phis.get(i).inputs.add(selects.get(i));
        }
        return true;
    }

    /** The block both paths reach, when each arm is the join itself or a short pure block leading to it. */
    private static Block joinOf(Block head, Block ifTrue, Block ifFalse) {
        Block viaTrue = speculable(head, ifTrue) ? ifTrue.successors.getFirst() : null;
        Block viaFalse = speculable(head, ifFalse) ? ifFalse.successors.getFirst() : null;
        if (viaTrue != null && viaFalse != null) {
            return viaTrue == viaFalse ? viaTrue : null;
        }
        if (viaTrue != null && viaTrue == ifFalse) {
            return ifFalse;
        }
        if (viaFalse != null && viaFalse == ifTrue) {
            return ifTrue;
        }
        return null;
    }

    /** An arm that may run unconditionally in its head: only reached from there, short, pure, jumping on. */
    private static boolean speculable(Block head, Block arm) {
        if (arm.predecessors.size() != 1 || arm.predecessors.getFirst() != head || !arm.phis.isEmpty()
                || arm.exit != Block.Exit.JUMP || arm.successors.getFirst() == arm) {
            return false;
        }
        int cost = 0;
        for (Value v : arm.values) {
            if (!pure(v)) {
                return false;
            }
            cost += v.op == Op.CONST ? 0 : 1;
        }
        return cost <= MAX_ARM_VALUES;
    }

    /** Cheap, effect-free and unable to fault on any input. */
    private static boolean pure(Value v) {
        return switch (v.op) {
            case CONST, PARAM, SPECIAL, ADD, SUB, MUL, NEG, MIN, MAX, AND, OR, XOR, SHL, SHR, USHR, CMP, SELECT,
                 NOT, CONVERT, BITCAST, SEXT8, SEXT16, ZEXT16, F16_TO_F32, F32_TO_F16, BF16_TO_F32, F32_TO_BF16,
                 PACK_BF16X2, EXP2_APPROX, FMA, ABS, FLOOR, CEIL -> true;
            default -> false;
        };
    }

    /** Types both emitters select between (a predicate has no select in PTX; pointers stay branches). */
    private static boolean selectable(Type type) {
        return type == Type.I32 || type == Type.I64 || type == Type.F32 || type == Type.F64;
    }
}
