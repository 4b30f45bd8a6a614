package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Special;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which blocks every work-item of a work-group reaches together (the same number of times), for operations
 * that synchronise the whole group, such as the barriers of the local-memory simd fallback on OpenCL.
 *
 * <p>A value is divergent when work-items of one group may hold different values of it: local and global
 * ids, atomics and warp exchanges are; parameters, constants, group ids and sizes are not; other operations
 * are divergent when an operand is, loads included (a load at a uniform address is taken as uniform, which
 * assumes no other work-item writes that element without a barrier in between: a data race, a kernel bug
 * anyway). A branch on a divergent condition splits the group until its immediate post-dominator: every block
 * reachable from it before that point is reached by only part of the group, and the phis there and at the
 * post-dominator merge values from different paths, so they are divergent too. Iterated to a fixed point.
 *
 * <p>Conservative: it may call a block divergent that is not (a phi joining uniform paths inside a divergent
 * region, say), never the reverse, up to the data-race caveat above. Valid until the graph changes.
 */
public final class GroupDivergence {
    private final Set<Value> divergent = new HashSet<>();
    private final Set<Block> partial = new HashSet<>();

    private GroupDivergence(Graph graph) {
        PostDominators post = new PostDominators(graph);
        Set<Block> joins = new HashSet<>();
        Set<Block> splitting = new HashSet<>();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Block b : graph.blocks) {
                for (Value phi : b.phis) {
                    if ((joins.contains(b) || anyDivergent(phi.inputs)) && divergent.add(phi)) {
                        changed = true;
                    }
                }
                for (Value v : b.values) {
                    if ((isSource(v) || anyDivergent(v.inputs)) && divergent.add(v)) {
                        changed = true;
                    }
                }
            }
            for (Block b : graph.blocks) {
                if (b.exit == Block.Exit.BRANCH && divergent.contains(b.condition) && splitting.add(b)) {
                    Set<Block> region = regionOf(b, post.immediate(b));
                    partial.addAll(region);
                    joins.addAll(region);
                    if (post.immediate(b) != null) {
                        joins.add(post.immediate(b));
                    }
                    changed = true;
                }
            }
        }
    }

    public static GroupDivergence of(Graph graph) {
        return new GroupDivergence(graph);
    }

    /** Whether every work-item of the group that starts the kernel reaches {@code b}, as often as the others. */
    public boolean reachedByWholeGroup(Block b) {
        return !partial.contains(b);
    }

    /** Whether work-items of one group may hold different values of {@code v}. */
    public boolean isDivergent(Value v) {
        return divergent.contains(v);
    }

    private boolean anyDivergent(List<Value> values) {
        for (Value v : values) {
            if (divergent.contains(v)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSource(Value v) {
        return switch (v.op) {
            case SPECIAL -> v.special == Special.LOCAL_ID || v.special == Special.GLOBAL_ID;
            case ATOMIC_ADD, SHUFFLE_DOWN, SHUFFLE_XOR, SHUFFLE_IDX -> true;
            default -> false;
        };
    }

    /** The blocks reachable from {@code branch}'s successors without passing {@code end} (null: the exit). */
    private static Set<Block> regionOf(Block branch, Block end) {
        Set<Block> region = new HashSet<>();
        ArrayDeque<Block> work = new ArrayDeque<>(branch.successors);
        while (!work.isEmpty()) {
            Block b = work.pop();
            if (b != end && region.add(b)) {
                work.addAll(b.successors);
            }
        }
        return region;
    }

    /**
     * Post-dominator sets over the graph plus a virtual exit that every returning block jumps to, by the
     * iterative data-flow equations (kernels have tens of blocks). A block that cannot reach the exit (an
     * endless loop) keeps the full set; its immediate post-dominator is taken as the exit, conservatively.
     */
    private static final class PostDominators {
        private final Map<Block, Integer> index = new HashMap<>();
        private final List<Block> blocks;
        private final BitSet[] sets;
        private final int exit;

        PostDominators(Graph graph) {
            blocks = graph.blocks;
            exit = blocks.size();
            for (int i = 0; i < blocks.size(); i++) {
                index.put(blocks.get(i), i);
            }
            sets = new BitSet[exit + 1];
            for (int i = 0; i < exit; i++) {
                sets[i] = new BitSet();
                sets[i].set(0, exit + 1); // everything, shrunk by the equations below
            }
            sets[exit] = new BitSet();
            sets[exit].set(exit);
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int i = blocks.size() - 1; i >= 0; i--) {
                    BitSet next = meetOfSuccessors(blocks.get(i));
                    next.set(i);
                    if (!next.equals(sets[i])) {
                        sets[i] = next;
                        changed = true;
                    }
                }
            }
        }

        private BitSet meetOfSuccessors(Block b) {
            if (b.exit == Block.Exit.RETURN) {
                return (BitSet) sets[exit].clone();
            }
            BitSet meet = null;
            for (Block s : b.successors) {
                if (meet == null) {
                    meet = (BitSet) sets[index.get(s)].clone();
                } else {
                    meet.and(sets[index.get(s)]);
                }
            }
            return meet;
        }

        /** The nearest block other than {@code b} on every path from {@code b} to the exit; null for the exit. */
        Block immediate(Block b) {
            BitSet strict = (BitSet) sets[index.get(b)].clone();
            strict.clear(index.get(b));
            if (!strict.get(exit)) {
                return null; // no path to the exit
            }
            Block nearest = null;
            int most = -1;
            for (int i = strict.nextSetBit(0); i >= 0 && i < exit; i = strict.nextSetBit(i + 1)) {
                if (sets[i].cardinality() > most) {
                    most = sets[i].cardinality();
                    nearest = blocks.get(i);
                }
            }
            return nearest;
        }
    }
}
