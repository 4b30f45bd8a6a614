package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Value;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mechanics of full unrolling for {@link LoopUnrolling}: copy k of the loop's blocks is iteration k, its
 * header phis replaced by the values copy k-1 produced (the preheader's values for k = 0); copy k's latch
 * jumps to copy k+1's header; the last header copy, whose condition is known false, jumps to the exit. Values
 * used after the loop can only be defined in the header (it alone dominates the exit), so they are redirected
 * to the last header copy. The original blocks are then dropped. A loop of one block (a do-while, or
 * {@code while (true)} with one break) is its own header, latch and body: each copy jumps to the next.
 */
final class LoopCopier {
    private final Graph graph;
    private final Loops.Loop loop;
    private final Block header;
    private final Block latch;
    private final Block exit;
    private final Block bodyStart;
    private final int latchIndex;

    LoopCopier(Graph graph, Loops.Loop loop) {
        this.graph = graph;
        this.loop = loop;
        this.header = loop.header();
        this.latch = loop.latches().getFirst();
        boolean continueWhenTrue = loop.blocks().contains(header.successors.get(0));
        this.bodyStart = header.successors.get(continueWhenTrue ? 0 : 1);
        this.exit = header.successors.get(continueWhenTrue ? 1 : 0);
        this.latchIndex = header.predecessors.indexOf(latch);
    }

    /** Requires a preheader (header predecessors: the preheader and the latch). */
    void unroll(int trips) {
        Block pre = header.predecessors.get(1 - latchIndex);
        Map<Value, Value> values = new HashMap<>();
        for (Value phi : header.phis) {
            values.put(phi, phi.inputs.get(1 - latchIndex));
        }
        Block previousLatch = pre;
        Map<Block, Block> blocks = Map.of();
        for (int k = 0; k <= trips; k++) {
            boolean last = k == trips;
            blocks = copyBlocks(last ? List.of(header) : List.copyOf(loop.blocks()), values);
            Block headerCopy = blocks.get(header);
            previousLatch.successors.replaceAll(s -> s == header ? headerCopy : s);
            headerCopy.predecessors.add(previousLatch);
            headerCopy.exit = Block.Exit.JUMP;
            headerCopy.condition = null;
            headerCopy.successors.clear();
            if (last) {
                headerCopy.successors.add(exit);
                exit.predecessors.replaceAll(p -> p == header ? headerCopy : p);
                break;
            }
            if (bodyStart == header) {
                // A one-block loop (do-while, or while (true) with a break): the header is its own latch and
                // body, so its copy jumps to the next iteration's copy, wired like any latch above.
                headerCopy.successors.add(header);
            } else {
                headerCopy.successors.add(blocks.get(bodyStart));
            }
            previousLatch = blocks.get(latch);
            Map<Value, Value> next = new HashMap<>(values);
            for (Value phi : header.phis) {
                next.put(phi, values.get(phi.inputs.get(latchIndex)) != null
                        ? values.get(phi.inputs.get(latchIndex)) : phi.inputs.get(latchIndex));
            }
            values = next;
        }
        Map<Value, Value> outsideUses = new HashMap<>();
        for (Value v : header.values) {
            outsideUses.put(v, values.get(v));
        }
        for (Value phi : header.phis) {
            outsideUses.put(phi, values.get(phi));
        }
        graph.blocks.removeAll(loop.blocks());
        Uses.replaceAll(graph, outsideUses);
    }

    /**
     * Copies the given loop blocks with their values; {@code values} maps originals to copies and gains this
     * copy's values (header phis map to the iteration's incoming values). Edges inside the copy are wired;
     * the header copy's predecessors and the latch copy's jump back are left for the caller.
     */
    private Map<Block, Block> copyBlocks(List<Block> originals, Map<Value, Value> values) {
        Map<Block, Block> copies = new HashMap<>();
        for (Block b : originals) {
            Block c = graph.newBlock();
            copies.put(b, c);
        }
        for (Block b : graph.blocks.stream().filter(originals::contains).toList()) {
            Block c = copies.get(b);
            for (Value phi : b == header ? List.<Value>of() : b.phis) {
                values.put(phi, graph.addPhi(c, phi.type));
            }
            for (Value v : b.values) {
                Value copy = graph.append(c, v.op, v.type);
                copyAttributes(v, copy);
                values.put(v, copy);
            }
        }
        for (Block b : originals) {
            Block c = copies.get(b);
            for (int i = 0; i < c.values.size(); i++) {
                for (Value in : b.values.get(i).inputs) {
                    c.values.get(i).inputs.add(values.getOrDefault(in, in));
                }
            }
            if (b != header) {
                for (int i = 0; i < b.phis.size(); i++) {
                    for (Value in : b.phis.get(i).inputs) {
                        c.phis.get(i).inputs.add(values.getOrDefault(in, in));
                    }
                }
                for (Block p : b.predecessors) {
                    c.predecessors.add(copies.getOrDefault(p, p));
                }
            }
            c.exit = b.exit;
            c.condition = b.condition == null ? null : values.getOrDefault(b.condition, b.condition);
            for (Block s : b.successors) {
                c.successors.add(s == header ? header : copies.getOrDefault(s, s));
            }
        }
        return copies;
    }

    private static void copyAttributes(Value from, Value to) {
        to.constant = from.constant;
        to.index = from.index;
        to.special = from.special;
        to.dimension = from.dimension;
        to.cond = from.cond;
        to.unordered = from.unordered;
        to.mem = from.mem;
        to.line = from.line;
        to.site = from.site;
    }
}
