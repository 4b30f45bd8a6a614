package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.ptx.PtxRegisters.Kind;

/**
 * Loads, stores and atomics: the address is base + index·size, in 64 bits for global memory (so indices past
 * 2^31 elements work when the kernel indexes with a long) and constant tables, 32 bits for work-group local
 * memory. A constant index folds into the address operand. Constant tables live in global memory and are
 * read through the read-only data cache ({@code ld.global.nc}), see {@link PtxTables}.
 */
final class PtxMemory {
    private final PtxRegisters regs;
    private final PtxLowering lowering;

    PtxMemory(PtxRegisters regs, PtxLowering lowering) {
        this.regs = regs;
        this.lowering = lowering;
    }

    void lower(Value v) {
        Value pointer = v.input(0);
        if (pointer.type == Type.PTR_PRIVATE) {
            privateAccess(v);
            return;
        }
        boolean global = pointer.type != Type.PTR_LOCAL;
        String space = switch (pointer.type) {
            case PTR_CONST -> "global.nc";
            case PTR_GLOBAL -> "global";
            default -> "shared";
        };
        String address = address(pointer, v.input(1), v.mem, global);
        switch (v.op) {
            case LOAD -> lowering.line("ld." + space + "." + memType(v.mem) + " " + regs.of(v) + ", [" + address + "];");
            case STORE -> lowering.line("st." + space + "." + memType(v.mem) + " [" + address + "], "
                    + regs.of(v.input(2)) + ";");
            case ATOMIC_ADD -> {
                String type = v.mem == MemType.F32 ? "f32" : v.mem == MemType.I32 ? "u32" : "u64";
                lowering.line("atom." + space + ".add." + type + " " + regs.of(v) + ", [" + address + "], "
                        + regs.of(v.input(2)) + ";");
            }
            default -> throw new IllegalStateException(v.op.toString());
        }
    }

    /** A private array's element is a register: a load or store is a move, at a constant index only. */
    private void privateAccess(Value v) {
        Value index = v.input(1);
        if (!index.isConst()) {
            throw KernelCompileException.at(v, "an index into the work-item's own array (new "
                    + v.input(0).mem.name().toLowerCase() + "[" + v.input(0).index + "]) that is not a compile-time "
                    + "constant: on PTX these arrays are registers, so index them with constants or in loops of "
                    + "constant bounds, which the compiler unrolls");
        }
        if (index.longValue() < 0 || index.longValue() >= v.input(0).index) {
            throw KernelCompileException.at(v, "index " + index.longValue() + " is outside the "
                    + "work-item's array of " + v.input(0).index + " elements");
        }
        String element = PtxRegisters.element(v.input(0), index.longValue());
        String move = "mov." + privateType(v.input(0));
        switch (v.op) {
            case LOAD -> lowering.line(move + " " + regs.of(v) + ", " + element + ";");
            case STORE -> lowering.line(move + " " + element + ", " + regs.of(v.input(2)) + ";");
            default -> throw KernelCompileException.at(v, v.op + " on the work-item's own array");
        }
    }

    /** The register type of a private array's elements; arrays of byte, short and char stay off PTX. */
    static String privateType(Value array) {
        return switch (array.mem) {
            case I32 -> "b32";
            case I64 -> "b64";
            case F32 -> "f32";
            case F64 -> "f64";
            default -> throw KernelCompileException.at(array, "arrays of " + array.mem + " made in a kernel (only int, "
                    + "long, float and double arrays become registers)");
        };
    }

    private static String memType(MemType mem) {
        return switch (mem) {
            case I8 -> "s8";
            case I16 -> "s16";
            case U16 -> "u16";
            case I32 -> "u32";
            case I64 -> "u64";
            case F32 -> "f32";
            case F64 -> "f64";
        };
    }

    /** ADDRESS: the element's address into the value's own register, so it can be shared and hoisted. */
    void lowerAddress(Value v) {
        Value pointer = v.input(0);
        Value index = v.input(1);
        String d = regs.of(v);
        int size = v.mem.bytes();
        if (pointer.type != Type.PTR_LOCAL) {
            String scaled = regs.temp(Kind.B64);
            // An int index widened to long needs no separate widening: mul.wide does it.
            if (index.op == Op.CONVERT && index.type == Type.I64 && index.input(0).type == Type.I32) {
                index = index.input(0);
            }
            lowering.line((index.type == Type.I32 ? "mul.wide.s32 " : "mul.lo.s64 ") + scaled + ", "
                    + regs.of(index) + ", " + size + ";");
            lowering.line("add.s64 " + d + ", " + regs.of(pointer) + ", " + scaled + ";");
            return;
        }
        String index32 = regs.of(index);
        if (index.type == Type.I64) {
            index32 = regs.temp(Kind.B32);
            lowering.line("cvt.u32.u64 " + index32 + ", " + regs.of(index) + ";");
        }
        lowering.line("mad.lo.s32 " + d + ", " + index32 + ", " + size + ", " + regs.of(pointer) + ";");
    }

    private String address(Value pointer, Value index, MemType mem, boolean global) {
        String base = regs.of(pointer);
        if (index.isConst()) {
            long offset = index.longValue() * mem.bytes();
            return offset == 0 ? base : base + "+" + offset;
        }
        if (global) {
            String scaled = regs.temp(Kind.B64);
            String address = regs.temp(Kind.B64);
            if (index.type == Type.I32) {
                lowering.line("mul.wide.s32 " + scaled + ", " + regs.of(index) + ", " + mem.bytes() + ";");
            } else {
                lowering.line("mul.lo.s64 " + scaled + ", " + regs.of(index) + ", " + mem.bytes() + ";");
            }
            lowering.line("add.s64 " + address + ", " + base + ", " + scaled + ";");
            return address;
        }
        String index32 = regs.of(index);
        if (index.type == Type.I64) {
            index32 = regs.temp(Kind.B32);
            lowering.line("cvt.u32.u64 " + index32 + ", " + regs.of(index) + ";");
        }
        String address = regs.temp(Kind.B32);
        lowering.line("mad.lo.s32 " + address + ", " + index32 + ", " + mem.bytes() + ", " + base + ";");
        return address;
    }

}
