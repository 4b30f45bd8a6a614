package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Strength reduction of addresses in loops: {@code &x[base + i]}, where i steps by a loop-invariant amount,
 * becomes a pointer that starts at {@code &x[base + i0]} in the preheader and grows by step * size at the
 * latch, replacing a multiply-widen-add per access by one add per loop. Same assumption as
 * {@link AddressLowering}: the int index of a JVM-correct kernel does not wrap between iterations that
 * access memory. Runs after AddressLowering, before loop-invariant motion.
 */
public final class AddressStrengthReduction {
    private AddressStrengthReduction() {
    }

    public static boolean run(Graph graph) {
        boolean changed = false;
        for (Loops.Loop loop : Loops.find(graph, new Dominators(graph))) {
            if (loop.latches().size() != 1) {
                continue;
            }
            Map<Value, Value> reduced = new HashMap<>();
            for (Block b : List.copyOf(loop.blocks())) {
                for (Value v : List.copyOf(b.values)) {
                    if (v.op == Op.ADDRESS && !loop.contains(v.input(0))) {
                        Value pointer = reduce(graph, loop, v);
                        if (pointer != null) {
                            reduced.put(v, pointer);
                        }
                    }
                }
            }
            Uses.replaceAll(graph, reduced);
            changed |= !reduced.isEmpty();
        }
        return changed; // the replaced addresses die in the caller's SsaCleanup
    }

    /** The pointer phi replacing the address, or null when the index is not base + induction variable. */
    private static Value reduce(Graph graph, Loops.Loop loop, Value address) {
        Value index = address.input(1);
        Value base = null;
        Value iv = index;
        if (index.op == Op.ADD && !loop.contains(index.input(0))) {
            base = index.input(0);
            iv = index.input(1);
        } else if (index.op == Op.ADD && !loop.contains(index.input(1))) {
            base = index.input(1);
            iv = index.input(0);
        }
        Block header = loop.header();
        if (iv.op != Op.PHI || iv.block != header) {
            return null;
        }
        Block latch = loop.latches().getFirst();
        Value next = iv.inputs.get(header.predecessors.indexOf(latch));
        if (next.op != Op.ADD || next.input(0) != iv || loop.contains(next.input(1))) {
            return null;
        }
        Block pre = Loops.preheader(graph, loop);
        int entry = 1 - header.predecessors.indexOf(latch);
        Value start = iv.inputs.get(entry);
        if (base != null) {
            start = graph.append(pre, Op.ADD, index.type, base, start);
        }
        Value first = graph.append(pre, Op.ADDRESS, address.type, address.input(0), start);
        first.mem = address.mem;
        Value stepBytes = stepInBytes(graph, pre, next.input(1), address);
        Value pointer = graph.addPhi(header, address.type);
        Value advanced = graph.append(latch, Op.ADD, address.type, pointer, stepBytes);
        for (Block p : header.predecessors) {
            pointer.inputs.add(p == latch ? advanced : first);
        }
        return pointer;
    }

    private static Value stepInBytes(Graph graph, Block pre, Value step, Value address) {
        boolean global = address.type.bytes() == 8; // global memory and constant tables: 64-bit offsets
        Type offsetType = global ? Type.I64 : Type.I32;
        Value wide = step.type == offsetType ? step : graph.append(pre, Op.CONVERT, offsetType, step);
        Value size = graph.append(pre, Op.CONST, offsetType);
        size.constant = global ? (Object) (long) address.mem.bytes() : (Object) address.mem.bytes();
        return graph.append(pre, Op.MUL, offsetType, wide, size);
    }
}
