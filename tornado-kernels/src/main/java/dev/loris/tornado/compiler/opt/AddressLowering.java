package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

/**
 * Makes element addresses explicit for PTX: every load, store and atomic with a variable index gets an
 * ADDRESS value (base + index * size) and keeps only a constant element offset, which PTX folds into the
 * instruction ({@code ld.global.f32 %f1, [%rd7+12]}). As values, addresses are then shared by value numbering
 * (a read-modify-write of y[i] computes &y[i] once), hoisted by loop-invariant motion and strength-reduced
 * by {@link AddressStrengthReduction}. OpenCL C is left alone: its compiler does all of this itself.
 *
 * <p>A work-item's own arrays are left alone: on PTX they are registers, named by constant indices.
 *
 * <p>Splitting {@code x[i + k]} into {@code &x[i]} plus k assumes that i + k does not wrap around 2^31,
 * which holds for every in-bounds access of a kernel that also runs correctly on the JVM (a wrapped int
 * index is negative there, and the JVM throws).
 */
public final class AddressLowering {
    private AddressLowering() {
    }

    public static void run(Graph graph) {
        for (Block b : graph.blocks) {
            for (int i = 0; i < b.values.size(); i++) {
                Value v = b.values.get(i);
                if ((v.op == Op.LOAD || v.op == Op.STORE || v.op == Op.ATOMIC_ADD) && !v.input(1).isConst()
                        && v.input(0).type != Type.PTR_PRIVATE) {
                    Value index = v.input(1);
                    long offset = 0;
                    if (index.op == Op.ADD && index.input(1).isConst()) {
                        offset = index.input(1).longValue();
                        index = index.input(0);
                    }
                    Value address = insertBefore(graph, b, i, Op.ADDRESS, v.input(0).type, v.input(0), index);
                    address.mem = v.mem;
                    address.line = v.line;
                    Value constant = insertBefore(graph, b, i + 1, Op.CONST, v.input(1).type);
                    constant.constant = v.input(1).type == Type.I32 ? (Object) (int) offset : (Object) offset;
                    i += 2;
                    v.inputs.set(0, address);
                    v.inputs.set(1, constant);
                }
            }
        }
    }

    private static Value insertBefore(Graph graph, Block b, int position, Op op, Type type, Value... inputs) {
        Value v = graph.create(op, type, inputs);
        v.block = b;
        b.values.add(position, v);
        return v;
    }
}
