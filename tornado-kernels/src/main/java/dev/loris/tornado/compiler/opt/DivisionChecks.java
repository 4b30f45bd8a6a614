package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prepares a device graph to report integer division by zero, which Java answers with an ArithmeticException
 * and devices cannot throw. Runs last, on the optimised graph, so divisions by a non-zero constant (and those
 * folded away) cost nothing. If any division {@link Value#mayDivideByZero may divide by zero}, the kernel gets
 * two trailing parameters, the fault word (a global int pointer) and the fault code base (an int), and each
 * such division takes them as inputs 2 and 3 with its site number in {@code index}: the emitters test the
 * divisor, and for 0 compare-and-swap the word from 0 to base + site and give 0 as the result. The sites
 * are listed in {@link Graph#faultSites} (one entry per source position, shared by unrolled copies), so the
 * runtime, which chooses the base, can turn a recorded code back into a kernel and a source line.
 */
public final class DivisionChecks {
    private DivisionChecks() {
    }

    /** Adds the checks; returns whether the kernel has any (and so the two hidden parameters). */
    public static boolean run(Graph graph) {
        List<Value> divisions = new ArrayList<>();
        for (Block b : graph.blocks) {
            for (Value v : b.values) {
                if (v.mayDivideByZero()) {
                    divisions.add(v);
                }
            }
        }
        if (divisions.isEmpty()) {
            return false;
        }
        Value word = hiddenParameter(graph, "loris_fault_word", Type.PTR_GLOBAL, MemType.I32);
        Value base = hiddenParameter(graph, "loris_fault_base", Type.I32, null);
        Map<StackTraceElement, Integer> numbers = new HashMap<>();
        for (Value division : divisions) {
            StackTraceElement site = division.site != null ? division.site
                    : new StackTraceElement("?", graph.name, null, division.line);
            division.index = numbers.computeIfAbsent(site, s -> {
                graph.faultSites.add(s);
                return graph.faultSites.size() - 1;
            });
            division.inputs.add(word);
            division.inputs.add(base);
        }
        return true;
    }

    /** A trailing parameter and its PARAM value at the end of the entry block's parameters. */
    private static Value hiddenParameter(Graph graph, String name, Type type, MemType element) {
        String unique = name;
        while (taken(graph, unique)) {
            unique += "_";
        }
        Value v = graph.create(Op.PARAM, type);
        v.index = graph.params.size();
        graph.params.add(new Graph.Param(unique, type, element, false));
        Block entry = graph.entry();
        int at = 0;
        while (at < entry.values.size() && entry.values.get(at).op == Op.PARAM) {
            at++;
        }
        v.block = entry;
        entry.values.add(at, v);
        return v;
    }

    private static boolean taken(Graph graph, String name) {
        return graph.params.stream().anyMatch(p -> p.name().equals(name));
    }
}
