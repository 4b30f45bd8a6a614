package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Common subexpression elimination by dominator-scoped value numbering: a pure operation equal to one in a
 * dominating position (same op, type, attributes and operands) is replaced by it. Loads are merged only
 * inside one block with no store, atomic, barrier or tile operation between them, because another work-item may write
 * memory across a barrier and this pass knows nothing about aliasing between arrays.
 */
public final class ValueNumbering {
    private ValueNumbering() {
    }

    private record Key(Op op, Object type, List<Integer> inputs, Object constant, Object cond, boolean unordered,
                       Object mem, Object special, int dimension) {
        static Key of(Value v) {
            List<Integer> ids = new ArrayList<>(v.inputs.size());
            for (Value in : v.inputs) {
                ids.add(in.id);
            }
            return new Key(v.op, v.type, ids, v.constant, v.cond, v.unordered, v.mem, v.special, v.dimension);
        }
    }

    public static boolean run(Graph graph) {
        Dominators dom = new Dominators(graph);
        Map<Value, Value> replacements = new HashMap<>();
        Map<Key, Value> available = new HashMap<>();
        // Iterative preorder walk; each frame remembers the keys it added so leaving the subtree removes them.
        record Frame(Block block, List<Key> added, boolean entered) { }
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(graph.entry(), new ArrayList<>(), false));
        while (!stack.isEmpty()) {
            Frame f = stack.pop();
            if (f.entered()) {
                f.added().forEach(available::remove);
                continue;
            }
            stack.push(new Frame(f.block(), f.added(), true));
            numberBlock(f.block(), available, f.added(), replacements);
            for (Block child : dom.children(f.block())) {
                stack.push(new Frame(child, new ArrayList<>(), false));
            }
        }
        Uses.replaceAll(graph, replacements);
        for (Block b : graph.blocks) {
            b.values.removeIf(replacements::containsKey);
        }
        return !replacements.isEmpty();
    }

    private static void numberBlock(Block b, Map<Key, Value> available, List<Key> added,
                                    Map<Value, Value> replacements) {
        Map<Key, Value> loads = new HashMap<>();
        for (Value v : b.values) {
            v.inputs.replaceAll(in -> Uses.resolve(in, replacements));
            if (v.op == Op.STORE || v.op == Op.ATOMIC_ADD || v.op == Op.BARRIER || v.op.isTileOperation()) {
                loads.clear();
                continue;
            }
            Map<Key, Value> table = v.op == Op.LOAD ? loads : isPure(v.op) ? available : null;
            if (table == null) {
                continue;
            }
            Key key = Key.of(v);
            Value existing = table.get(key);
            if (existing != null) {
                replacements.put(v, existing);
            } else {
                table.put(key, v);
                if (table == available) {
                    added.add(key);
                }
            }
        }
    }

    /** Operations whose result depends only on their operands: no memory, no effects, no identity. */
    static boolean isPure(Op op) {
        return switch (op) {
            case PARAM, UNDEF, PHI, LOAD, LOCAL_ARRAY, PRIVATE_ARRAY -> false;
            default -> !op.hasSideEffect();
        };
    }
}
