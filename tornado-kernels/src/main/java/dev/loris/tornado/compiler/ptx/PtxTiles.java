package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.ptx.PtxRegisters.Kind;

import java.util.ArrayList;
import java.util.List;

/**
 * The tensor-core tile operations as PTX, one instruction each: {@code mma.sync.aligned.m16n8k16} on the
 * registers of the private arrays holding the fragments, {@code ldmatrix} from a shared address, and
 * {@code cp.async.cg} (16 bytes, zero-filled past the element count) with its commit and wait. Fragment
 * offsets must be constants by now (loops unrolled): they name registers.
 */
final class PtxTiles {
    /** The first target with bf16 mma.sync and cp.async (Ampere). */
    static final int MIN_TARGET = 80;

    private final PtxRegisters regs;
    private final PtxLowering lowering;

    PtxTiles(PtxRegisters regs, PtxLowering lowering) {
        this.regs = regs;
        this.lowering = lowering;
    }

    void lower(Value v) {
        switch (v.op) {
            case MMA_BF16, MMA_F16 -> mma(v);
            case LDMATRIX, LDMATRIX_T -> loadMatrix(v);
            case COPY_ASYNC -> copyAsync(v);
            case ASYNC_COMMIT -> lowering.line("cp.async.commit_group;");
            case ASYNC_WAIT -> lowering.line("cp.async.wait_group " + v.index + ";");
            default -> throw new IllegalStateException(v.toString());
        }
    }

    private void mma(Value v) {
        String type = v.op == Op.MMA_BF16 ? "bf16" : "f16";
        String d = registers(v, 0, 4);
        lowering.line("mma.sync.aligned.m16n8k16.row.col.f32." + type + "." + type + ".f32 " + d + ", "
                + registers(v, 2, 4) + ", " + registers(v, 4, 2) + ", " + d + ";");
    }

    private void loadMatrix(Value v) {
        String shape = "ldmatrix.sync.aligned.m8n8.x" + v.index + (v.op == Op.LDMATRIX_T ? ".trans" : "");
        lowering.line(shape + ".shared.b16 " + registers(v, 0, v.index) + ", [" + sharedAddress(v.input(2),
                v.input(3)) + "];");
    }

    /** {@code cp.async.cg.shared.global [dst], [src], 16, bytes}: bytes = count * 2 are read, the rest zeroed. */
    private void copyAsync(Value v) {
        String shared = sharedAddress(v.input(0), v.input(1));
        String global = regs.temp(Kind.B64);
        String scaled = regs.temp(Kind.B64);
        Value index = v.input(3);
        lowering.line((index.type == Type.I32 ? "mul.wide.s32 " : "mul.lo.s64 ") + scaled + ", " + regs.of(index)
                + ", 2;");
        lowering.line("add.s64 " + global + ", " + regs.of(v.input(2)) + ", " + scaled + ";");
        Value count = v.input(4);
        String bytes;
        if (count.isConst()) {
            bytes = Long.toString(2 * count.longValue());
        } else {
            bytes = regs.temp(Kind.B32);
            lowering.line("shl.b32 " + bytes + ", " + regs.of(count) + ", 1;");
        }
        lowering.line("cp.async.cg.shared.global [" + shared + "], [" + global + "], 16, " + bytes + ";");
    }

    /**
     * The 32-bit shared address of element {@code index} of a 16-bit local array; an index of the form
     * x + constant becomes [x * 2 + array + 2 * constant], so loads at constant distances share x.
     */
    private String sharedAddress(Value array, Value index) {
        if (index.isConst()) {
            long offset = 2 * index.longValue();
            return offset == 0 ? regs.of(array) : regs.of(array) + "+" + offset;
        }
        if (index.op == Op.ADD && index.type == Type.I32 && (index.input(1).isConst() || index.input(0).isConst())) {
            boolean constantSecond = index.input(1).isConst();
            Value variable = index.input(constantSecond ? 0 : 1);
            long offset = 2 * index.input(constantSecond ? 1 : 0).longValue();
            String address = regs.temp(Kind.B32);
            lowering.line("mad.lo.s32 " + address + ", " + regs.of(variable) + ", 2, " + regs.of(array) + ";");
            return offset == 0 ? address : address + (offset > 0 ? "+" : "") + offset;
        }
        String index32 = regs.of(index);
        if (index.type == Type.I64) {
            index32 = regs.temp(Kind.B32);
            lowering.line("cvt.u32.u64 " + index32 + ", " + regs.of(index) + ";");
        }
        String address = regs.temp(Kind.B32);
        lowering.line("mad.lo.s32 " + address + ", " + index32 + ", 2, " + regs.of(array) + ";");
        return address;
    }

    /** {@code {%a7x4, %a7x5, ...}}: {@code count} registers of the private array at inputs (array, offset). */
    private static String registers(Value v, int arrayInput, int count) {
        Value array = v.input(arrayInput);
        Value offset = v.input(arrayInput + 1);
        if (!offset.isConst()) {
            throw KernelCompileException.at(v, "a fragment offset that is not a compile-time "
                    + "constant: fragments are registers on PTX, so compute offsets from constants or in loops of "
                    + "constant bounds (which the compiler unrolls)");
        }
        long first = offset.longValue();
        if (first < 0 || first + count > array.index) {
            throw KernelCompileException.at(v, "fragment registers " + first + ".."
                    + (first + count - 1) + " lie outside the work-item's array of " + array.index + " elements");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(PtxRegisters.element(array, first + i));
        }
        return "{" + String.join(", ", names) + "}";
    }
}
