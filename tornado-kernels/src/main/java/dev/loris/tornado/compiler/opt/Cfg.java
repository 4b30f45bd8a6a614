package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Control-flow graph orders: reverse postorder from the entry, the order emitters and passes walk. */
public final class Cfg {
    private Cfg() {
    }

    public static List<Block> reversePostorder(Graph graph) {
        List<Block> post = new ArrayList<>();
        Set<Block> seen = new HashSet<>();
        record Item(Block block, int next) { }
        ArrayDeque<Item> work = new ArrayDeque<>();
        seen.add(graph.entry());
        work.push(new Item(graph.entry(), 0));
        while (!work.isEmpty()) {
            Item top = work.pop();
            if (top.next() < top.block().successors.size()) {
                work.push(new Item(top.block(), top.next() + 1));
                Block s = top.block().successors.get(top.next());
                if (seen.add(s)) {
                    work.push(new Item(s, 0));
                }
            } else {
                post.add(top.block());
            }
        }
        return post.reversed();
    }

    static void orderReversePostorder(Graph graph) {
        List<Block> order = reversePostorder(graph);
        graph.blocks.clear();
        graph.blocks.addAll(order);
    }
}
