package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dominator tree, by the iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
 * Algorithm", 2001): kernels have tens of blocks, where it beats Lengauer-Tarjan in simplicity and speed.
 * Valid until the control flow changes.
 */
public final class Dominators {
    private final Map<Block, Block> idom = new HashMap<>();
    private final Map<Block, Integer> order = new HashMap<>();
    private final Map<Block, List<Block>> children = new HashMap<>();
    private final List<Block> reversePostorder;

    public Dominators(Graph graph) {
        reversePostorder = Cfg.reversePostorder(graph);
        for (int i = 0; i < reversePostorder.size(); i++) {
            order.put(reversePostorder.get(i), i);
        }
        Block entry = reversePostorder.getFirst();
        idom.put(entry, entry);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : reversePostorder.subList(1, reversePostorder.size())) {
                Block candidate = null;
                for (Block p : b.predecessors) {
                    if (idom.containsKey(p)) {
                        candidate = candidate == null ? p : intersect(p, candidate);
                    }
                }
                if (candidate != idom.get(b)) {
                    idom.put(b, candidate);
                    changed = true;
                }
            }
        }
        for (Block b : reversePostorder.subList(1, reversePostorder.size())) {
            children.computeIfAbsent(idom.get(b), k -> new ArrayList<>()).add(b);
        }
    }

    private Block intersect(Block a, Block b) {
        while (a != b) {
            while (order.get(a) > order.get(b)) {
                a = idom.get(a);
            }
            while (order.get(b) > order.get(a)) {
                b = idom.get(b);
            }
        }
        return a;
    }

    /** The immediate dominator; the entry is its own. */
    public Block idom(Block b) {
        return idom.get(b);
    }

    public List<Block> children(Block b) {
        return children.getOrDefault(b, List.of());
    }

    public boolean dominates(Block a, Block b) {
        Block x = b;
        while (true) {
            if (x == a) {
                return true;
            }
            Block up = idom.get(x);
            if (up == x || up == null) {
                return false;
            }
            x = up;
        }
    }

    public List<Block> reversePostorder() {
        return reversePostorder;
    }
}
