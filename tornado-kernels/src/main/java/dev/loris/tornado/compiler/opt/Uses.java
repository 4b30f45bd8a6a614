package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Value;

import java.util.Map;

/** Replacing every use of one value by another, across operands and branch conditions. */
final class Uses {
    private Uses() {
    }

    static void replaceAll(Graph graph, Map<Value, Value> replacements) {
        if (replacements.isEmpty()) {
            return;
        }
        for (Block b : graph.blocks) {
            replaceIn(b, replacements);
        }
    }

    private static void replaceIn(Block b, Map<Value, Value> replacements) {
        for (Value v : b.phis) {
            v.inputs.replaceAll(in -> resolve(in, replacements));
        }
        for (Value v : b.values) {
            v.inputs.replaceAll(in -> resolve(in, replacements));
        }
        if (b.condition != null) {
            b.condition = resolve(b.condition, replacements);
        }
    }

    /** Follows chains (a -> b -> c) so the result is never itself replaced. */
    static Value resolve(Value v, Map<Value, Value> replacements) {
        Value current = v;
        for (Value next = replacements.get(current); next != null; next = replacements.get(current)) {
            current = next;
        }
        return current;
    }
}
