package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the front end's maximal SSA into a tidy graph: unreachable blocks and trivial phis removed (which
 * makes the SSA minimal for reducible control flow), straight jump chains merged, dead values removed, blocks
 * in reverse postorder. Run after the front end and after any pass that changes control flow.
 */
public final class SsaCleanup {
    private SsaCleanup() {
    }

    public static void run(Graph graph) {
        removeUnreachable(graph);
        removeTrivialPhis(graph);
        mergeJumpChains(graph);
        removeDeadValues(graph);
        Cfg.orderReversePostorder(graph);
        checkNoUndefinedUse(graph);
    }

    static void removeUnreachable(Graph graph) {
        Set<Block> reachable = new HashSet<>(Cfg.reversePostorder(graph));
        for (Block b : graph.blocks) {
            if (reachable.contains(b)) {
                continue;
            }
            for (Block succ : b.successors) {
                removeEdge(b, succ);
            }
        }
        graph.blocks.removeIf(b -> !reachable.contains(b));
    }

    /** Removes every edge pred -> succ together with its phi inputs. */
    static void removeEdge(Block pred, Block succ) {
        for (int i = succ.predecessors.size() - 1; i >= 0; i--) {
            if (succ.predecessors.get(i) == pred) {
                succ.predecessors.remove(i);
                for (Value phi : succ.phis) {
                    phi.inputs.remove(i);
                }
            }
        }
    }

    static void removeTrivialPhis(Graph graph) {
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<Value, Value> replacements = new HashMap<>();
            for (Block b : graph.blocks) {
                for (Value phi : b.phis) {
                    Value same = trivialValue(phi);
                    if (same != null) {
                        replacements.put(phi, same);
                    }
                }
            }
            if (!replacements.isEmpty()) {
                Uses.replaceAll(graph, replacements);
                for (Block b : graph.blocks) {
                    b.phis.removeIf(replacements::containsKey);
                }
                changed = true;
            }
        }
    }

    /** The one value a phi merges (ignoring itself and undefined inputs), or null when it merges several. */
    private static Value trivialValue(Value phi) {
        Value same = null;
        boolean sawUndefined = false;
        for (Value in : phi.inputs) {
            if (in == phi) {
                continue;
            }
            if (in.op == Op.UNDEF) {
                sawUndefined = true;
                continue;
            }
            if (same != null && in != same) {
                return null;
            }
            same = in;
        }
        if (same == null) {
            return sawUndefined ? phi.inputs.stream().filter(in -> in != phi).findFirst().orElse(null) : null;
        }
        // A value merged with "undefined" is that value: Java's definite assignment guarantees the undefined
        // path never reads it.
        return same;
    }

    static void mergeJumpChains(Graph graph) {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block a : graph.blocks) {
                if (a.exit != Block.Exit.JUMP) {
                    continue;
                }
                Block b = a.successors.getFirst();
                if (b == a || b == graph.entry() || b.predecessors.size() != 1 || !b.phis.isEmpty()) {
                    continue;
                }
                moveValues(b, a);
                a.exit = b.exit;
                a.condition = b.condition;
                a.successors.clear();
                a.successors.addAll(b.successors);
                for (Block succ : b.successors) {
                    succ.predecessors.replaceAll(p -> p == b ? a : p);
                }
                b.successors.clear();
                b.predecessors.clear();
                graph.blocks.remove(b);
                changed = true;
                break;
            }
        }
    }

    /** Appends {@code from}'s values (not its phis) to the end of {@code to}'s, before its terminator. */
    static void moveValues(Block from, Block to) {
        for (Value v : from.values) {
            v.block = to;
        }
        to.values.addAll(from.values);
        from.values.clear();
    }

    public static void removeDeadValues(Graph graph) {
        Set<Value> live = new HashSet<>();
        ArrayDeque<Value> work = new ArrayDeque<>();
        for (Block b : graph.blocks) {
            for (Value v : b.values) {
                // An unused division by a possible zero still throws in Java, so it stays (and is checked).
                if (v.op.hasSideEffect() || v.mayDivideByZero()) {
                    work.add(v);
                }
            }
            if (b.condition != null) {
                work.add(b.condition);
            }
        }
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (live.add(v)) {
                work.addAll(v.inputs);
            }
        }
        for (Block b : graph.blocks) {
            b.phis.removeIf(v -> !live.contains(v));
            b.values.removeIf(v -> !live.contains(v));
        }
    }

    private static void checkNoUndefinedUse(Graph graph) {
        List<Value> undefined = new ArrayList<>();
        for (Block b : graph.blocks) {
            for (Value v : b.values) {
                if (v.op == Op.UNDEF) {
                    undefined.add(v);
                }
            }
        }
        if (!undefined.isEmpty()) {
            throw new KernelCompileException(graph.kernel, "a variable is used on a path where it has no value "
                    + "(compiler bug or unsupported bytecode):\n" + graph.dump());
        }
    }
}
