package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Natural loops: for each back edge (latch -> header, header dominating latch) the blocks that reach the
 * latch without passing the header; loops sharing a header are one loop. Listed innermost first, so a pass
 * that moves code outwards can run over the list once. Valid until the control flow changes.
 */
public final class Loops {
    /** One natural loop: its header, its blocks (header included) and its latches. */
    public record Loop(Block header, Set<Block> blocks, List<Block> latches) {
        public boolean contains(Value v) {
            return blocks.contains(v.block);
        }

        /** The predecessors of the header from outside the loop. */
        public List<Block> entries() {
            return header.predecessors.stream().filter(p -> !blocks.contains(p)).toList();
        }
    }

    private Loops() {
    }

    public static List<Loop> find(Graph graph, Dominators dom) {
        Map<Block, Loop> byHeader = new LinkedHashMap<>();
        for (Block latch : dom.reversePostorder()) {
            for (Block header : latch.successors) {
                if (dom.dominates(header, latch)) {
                    Loop loop = byHeader.computeIfAbsent(header,
                            h -> new Loop(h, new LinkedHashSet<>(List.of(h)), new ArrayList<>()));
                    loop.latches().add(latch);
                    collectBody(loop.blocks(), latch);
                }
            }
        }
        List<Loop> loops = new ArrayList<>(byHeader.values());
        loops.sort(Comparator.comparingInt(l -> l.blocks().size()));
        return loops;
    }

    private static void collectBody(Set<Block> body, Block latch) {
        ArrayDeque<Block> work = new ArrayDeque<>();
        if (body.add(latch)) {
            work.add(latch);
        }
        while (!work.isEmpty()) {
            for (Block p : work.poll().predecessors) {
                if (body.add(p)) {
                    work.add(p);
                }
            }
        }
    }

    /**
     * The block that runs just before the loop, created when the header has several outside predecessors or
     * its one outside predecessor also branches elsewhere. Header phis then take one merged input from it.
     */
    public static Block preheader(Graph graph, Loop loop) {
        List<Block> entries = loop.entries();
        if (entries.size() == 1 && entries.getFirst().successors.size() == 1) {
            return entries.getFirst();
        }
        Block header = loop.header();
        Block pre = graph.newBlock();
        graph.blocks.remove(pre);
        graph.blocks.add(graph.blocks.indexOf(header), pre);
        for (Value phi : header.phis) {
            Value merged = entries.size() == 1 ? null : graph.addPhi(pre, phi.type);
            Value single = null;
            for (int i = header.predecessors.size() - 1; i >= 0; i--) {
                if (!loop.blocks().contains(header.predecessors.get(i))) {
                    single = phi.inputs.remove(i);
                    if (merged != null) {
                        merged.inputs.addFirst(single);
                    }
                }
            }
            phi.inputs.add(merged != null ? merged : single);
        }
        for (Block e : entries) {
            e.successors.replaceAll(s -> s == header ? pre : s);
            pre.predecessors.add(e);
        }
        header.predecessors.removeIf(p -> !loop.blocks().contains(p));
        pre.jumpTo(header);
        return pre;
    }
}
