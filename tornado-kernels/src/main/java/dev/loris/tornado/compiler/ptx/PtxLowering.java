package dev.loris.tornado.compiler.ptx;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Cond;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.ptx.PtxRegisters.Kind;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How each IR operation becomes PTX. One-instruction cases are rows of {@link #TABLE} ({d} destination, {a}
 * {b} {c} operands); the rest (Java integer division, shifts, memory, indices, conversions with Java
 * semantics, the accurate exp, the fast-math approximations) are small methods. Float arithmetic always carries .rn, which both rounds
 * like Java and stops ptxas from contracting mul+add into fma.
 */
final class PtxLowering {
    private static final Map<String, String> TABLE = new HashMap<>();

    private static void row(Op op, Type type, String template) {
        TABLE.put(op + "." + type, template);
    }

    static {
        for (Type t : List.of(Type.I32, Type.I64)) {
            String s = t == Type.I32 ? "s32" : "s64";
            String b = t == Type.I32 ? "b32" : "b64";
            row(Op.ADD, t, "add." + s + " {d}, {a}, {b};");
            row(Op.SUB, t, "sub." + s + " {d}, {a}, {b};");
            row(Op.MUL, t, "mul.lo." + s + " {d}, {a}, {b};");
            row(Op.NEG, t, "neg." + s + " {d}, {a};");
            row(Op.MIN, t, "min." + s + " {d}, {a}, {b};");
            row(Op.MAX, t, "max." + s + " {d}, {a}, {b};");
            row(Op.ABS, t, "abs." + s + " {d}, {a};");
            row(Op.AND, t, "and." + b + " {d}, {a}, {b};");
            row(Op.OR, t, "or." + b + " {d}, {a}, {b};");
            row(Op.XOR, t, "xor." + b + " {d}, {a}, {b};");
        }
        for (Type t : List.of(Type.F32, Type.F64)) {
            String f = t == Type.F32 ? "f32" : "f64";
            row(Op.ADD, t, "add.rn." + f + " {d}, {a}, {b};");
            row(Op.SUB, t, "sub.rn." + f + " {d}, {a}, {b};");
            row(Op.MUL, t, "mul.rn." + f + " {d}, {a}, {b};");
            row(Op.DIV, t, "div.rn." + f + " {d}, {a}, {b};");
            row(Op.SQRT, t, "sqrt.rn." + f + " {d}, {a};");
            row(Op.FMA, t, "fma.rn." + f + " {d}, {a}, {b}, {c};");
            row(Op.FLOOR, t, "cvt.rmi." + f + "." + f + " {d}, {a};");
            row(Op.CEIL, t, "cvt.rpi." + f + "." + f + " {d}, {a};");
        }
        // Java's Math.min/max propagate NaN; plain PTX min/max return the other operand.
        row(Op.MIN, Type.F32, "min.NaN.f32 {d}, {a}, {b};");
        row(Op.MAX, Type.F32, "max.NaN.f32 {d}, {a}, {b};");
        row(Op.NOT, Type.PRED, "not.pred {d}, {a};");
        row(Op.ADD, Type.PTR_GLOBAL, "add.s64 {d}, {a}, {b};");
        row(Op.ADD, Type.PTR_LOCAL, "add.s32 {d}, {a}, {b};");
        row(Op.ADD, Type.PTR_CONST, "add.s64 {d}, {a}, {b};");
        row(Op.SEXT8, Type.I32, "cvt.s32.s8 {d}, {a};");
        row(Op.SEXT16, Type.I32, "cvt.s32.s16 {d}, {a};");
        row(Op.ZEXT16, Type.I32, "and.b32 {d}, {a}, 65535;");
        row(Op.BITCAST, Type.I32, "mov.b32 {d}, {a};");
        row(Op.BITCAST, Type.F32, "mov.b32 {d}, {a};");
        row(Op.BITCAST, Type.I64, "mov.b64 {d}, {a};");
        row(Op.BITCAST, Type.F64, "mov.b64 {d}, {a};");
    }

    private final PtxRegisters regs;
    private final StringBuilder out;
    private final boolean fastMath;

    PtxLowering(PtxRegisters regs, StringBuilder out, boolean fastMath) {
        this.regs = regs;
        this.out = out;
        this.fastMath = fastMath;
    }

    void line(String instruction) {
        out.append("    ").append(instruction).append('\n');
    }

    void lower(Value v) {
        String template = TABLE.get(v.op + "." + v.type);
        if (template != null) {
            line(fill(template, v));
            return;
        }
        switch (v.op) {
            case CONST -> constant(v);
            case SPECIAL -> special(v);
            case CMP -> compare(v);
            case SELECT -> line("selp." + bits(v.type) + " " + regs.of(v) + ", " + regs.of(v.input(1)) + ", "
                    + regs.of(v.input(2)) + ", " + regs.of(v.input(0)) + ";");
            case DIV, REM -> javaDivision(v);
            case SHL, SHR, USHR -> shift(v);
            case CONVERT -> convert(v);
            case F16_TO_F32 -> new PtxJavaFloat(regs, this).halfToFloat(v);
            case F32_TO_F16 -> new PtxJavaFloat(regs, this).floatToHalf(v);
            case F32_TO_BF16 -> new PtxJavaFloat(regs, this).floatToBfloat16(v);
            // One instruction for the pair: the high half is the first operand.
            case PACK_BF16X2 -> line("cvt.rn.bf16x2.f32 " + regs.of(v) + ", " + regs.of(v.input(1)) + ", "
                    + regs.of(v.input(0)) + ";");
            case BF16_TO_F32 -> bfloat16ToFloat(v);
            case ABS, NEG -> new PtxJavaFloat(regs, this).signBit(v, v.op == Op.NEG);
            case MIN, MAX -> new PtxJavaFloat(regs, this).doubleMinMax(v, v.op == Op.MIN);
            case RSQRT -> rsqrt(v);
            case EXP -> exp(v);
            case EXP2_APPROX -> line("ex2.approx.ftz.f32 " + regs.of(v) + ", " + regs.of(v.input(0)) + ";");
            case LOG, SIN, COS, TANH -> approximateMath(v);
            case LOAD, STORE, ATOMIC_ADD -> new PtxMemory(regs, this).lower(v);
            case ADDRESS -> new PtxMemory(regs, this).lowerAddress(v);
            case BARRIER -> line("bar.sync 0;");
            case MMA_BF16, MMA_F16, LDMATRIX, LDMATRIX_T, COPY_ASYNC, ASYNC_COMMIT, ASYNC_WAIT ->
                    new PtxTiles(regs, this).lower(v);
            case SHUFFLE_DOWN -> shuffle(v, "down");
            case SHUFFLE_XOR -> shuffle(v, "bfly");
            case SHUFFLE_IDX -> shuffle(v, "idx");
            default -> throw KernelCompileException.at(v,
                    "the operation " + v.op + " on " + v.type + " is not available on PTX yet");
        }
    }

    String fill(String template, Value v) {
        String s = template.replace("{d}", regs.of(v));
        String[] names = {"{a}", "{b}", "{c}"};
        for (int i = 0; i < v.inputs.size() && i < names.length; i++) {
            s = s.replace(names[i], regs.of(v.input(i)));
        }
        return s;
    }

    static String bits(Type t) {
        return switch (t) {
            case I32, F32, PTR_LOCAL -> "b32";
            case I64, F64, PTR_GLOBAL, PTR_CONST -> "b64";
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    private void constant(Value v) {
        String literal = switch (v.type) {
            case I32 -> Integer.toString((int) v.longValue());
            case I64 -> Long.toString(v.longValue());
            case F32 -> String.format("0f%08X", Float.floatToRawIntBits(((Number) v.constant).floatValue()));
            case F64 -> String.format("0d%016X", Double.doubleToRawLongBits(((Number) v.constant).doubleValue()));
            case PRED -> null;
            default -> throw new IllegalStateException(v.toString());
        };
        if (literal == null) {
            line("setp." + (v.longValue() != 0 ? "eq" : "ne") + ".s32 " + regs.of(v) + ", 0, 0;");
        } else {
            line("mov." + bits(v.type) + " " + regs.of(v) + ", " + literal + ";");
        }
    }

    private void special(Value v) {
        char axis = "xyz".charAt(v.dimension);
        String d = regs.of(v);
        switch (v.special) {
            case LOCAL_ID -> line("mov.u32 " + d + ", %tid." + axis + ";");
            case GROUP_ID -> line("mov.u32 " + d + ", %ctaid." + axis + ";");
            case LOCAL_SIZE -> line("mov.u32 " + d + ", %ntid." + axis + ";");
            case GROUP_COUNT -> line("mov.u32 " + d + ", %nctaid." + axis + ";");
            case GLOBAL_ID, GLOBAL_SIZE -> {
                boolean id = v.special == dev.loris.tornado.compiler.ir.Special.GLOBAL_ID;
                String a = regs.temp(Kind.B32);
                String b = regs.temp(Kind.B32);
                line("mov.u32 " + a + ", " + (id ? "%ctaid." : "%nctaid.") + axis + ";");
                line("mov.u32 " + b + ", %ntid." + axis + ";");
                if (id) {
                    String c = regs.temp(Kind.B32);
                    line("mov.u32 " + c + ", %tid." + axis + ";");
                    line("mad.lo.s32 " + d + ", " + a + ", " + b + ", " + c + ";");
                } else {
                    line("mul.lo.s32 " + d + ", " + a + ", " + b + ";");
                }
            }
        }
    }

    private static final Map<Cond, String> CONDITIONS = Map.of(
            Cond.EQ, "eq", Cond.NE, "ne", Cond.LT, "lt", Cond.LE, "le", Cond.GT, "gt", Cond.GE, "ge");

    private void compare(Value v) {
        Type t = v.input(0).type;
        String c = CONDITIONS.get(v.cond);
        String type = switch (t) {
            case I32 -> "s32";
            case I64 -> "s64";
            case F32 -> "f32";
            case F64 -> "f64";
            case PTR_GLOBAL, PTR_CONST -> "u64";
            case PTR_LOCAL -> "u32";
            default -> throw new IllegalStateException(v.toString());
        };
        if (t.isFloat()) {
            // Ordered "ne" is PTX's ne; unordered comparisons add u (NaN makes them true).
            c = v.unordered ? c + "u" : c;
        }
        line("setp." + c + "." + type + " " + regs.of(v) + ", " + regs.of(v.input(0)) + ", " + regs.of(v.input(1)) + ";");
    }

    /**
     * Java integer division: MIN / -1 wraps to MIN and MIN % -1 is 0, where PTX leaves both unspecified.
     * A division by zero never traps (a trap would destroy the CUDA context): a checked division (see
     * DivisionChecks) records it and gives 0, an unchecked one gives an unspecified value.
     */
    private void javaDivision(Value v) {
        boolean wide = v.type == Type.I64;
        String s = wide ? "s64" : "s32";
        String d = regs.of(v);
        String a = regs.of(v.input(0));
        String b = regs.of(v.input(1));
        Value divisor = v.input(1);
        String op = v.op == Op.DIV ? "div" : "rem";
        if (divisor.isConst() && divisor.longValue() != -1 && divisor.longValue() != 0) {
            line(op + "." + s + " " + d + ", " + a + ", " + b + ";");
            return;
        }
        String minusOne = regs.temp(Kind.PRED);
        String special = regs.temp(wide ? Kind.B64 : Kind.B32);
        line("setp.eq." + s + " " + minusOne + ", " + b + ", -1;");
        line(op + "." + s + " " + d + ", " + a + ", " + b + ";");
        if (v.op == Op.DIV) {
            line("neg." + s + " " + special + ", " + a + ";");
        } else {
            line("mov." + bits(v.type) + " " + special + ", 0;");
        }
        line("selp." + bits(v.type) + " " + d + ", " + special + ", " + d + ", " + minusOne + ";");
        if (v.isCheckedDivision()) {
            recordZeroDivisor(v, s);
        }
    }

    /**
     * For a zero divisor: the fault word goes from 0 to base + site (compare-and-swap, so the first fault of
     * a run stays) and the result is 0. Predicated, so a non-zero divisor costs the compare and two skipped
     * instructions.
     */
    private void recordZeroDivisor(Value v, String s) {
        String zero = regs.temp(Kind.PRED);
        String code = regs.temp(Kind.B32);
        String previous = regs.temp(Kind.B32);
        String d = regs.of(v);
        line("setp.eq." + s + " " + zero + ", " + regs.of(v.input(1)) + ", 0;");
        line("@" + zero + " add.s32 " + code + ", " + regs.of(v.input(3)) + ", " + v.index + ";");
        line("@" + zero + " atom.global.cas.b32 " + previous + ", [" + regs.of(v.input(2)) + "], 0, " + code + ";");
        line("selp." + bits(v.type) + " " + d + ", 0, " + d + ", " + zero + ";");
    }

    /** Java masks shift counts to the operand width (PTX clamps them instead). */
    private void shift(Value v) {
        boolean wide = v.type == Type.I64;
        String op = switch (v.op) {
            case SHL -> "shl.b";
            case SHR -> "shr.s";
            default -> "shr.u";
        } + (wide ? "64" : "32");
        Value count = v.input(1);
        int mask = wide ? 63 : 31;
        String amount;
        if (count.isConst()) {
            amount = Long.toString(count.longValue() & mask);
        } else {
            amount = regs.temp(Kind.B32);
            line("and.b32 " + amount + ", " + regs.of(count) + ", " + mask + ";");
        }
        line(op + " " + regs.of(v) + ", " + regs.of(v.input(0)) + ", " + amount + ";");
    }

    private void convert(Value v) {
        Type from = v.input(0).type;
        Type to = v.type;
        String instruction = switch (from + ">" + to) {
            case "I32>I64" -> "cvt.s64.s32";
            case "I64>I32" -> "cvt.u32.u64";
            case "I32>F32" -> "cvt.rn.f32.s32";
            case "I64>F32" -> "cvt.rn.f32.s64";
            case "I32>F64" -> "cvt.rn.f64.s32";
            case "I64>F64" -> "cvt.rn.f64.s64";
            case "F32>F64" -> "cvt.f64.f32";
            case "F64>F32" -> "cvt.rn.f32.f64";
            case "I32>I32", "I64>I64", "F32>F32", "F64>F64" -> "mov." + bits(to);
            // Float to integer: rzi saturates like Java; NaN needs care (see PtxJavaFloat).
            case "F32>I32", "F32>I64", "F64>I32", "F64>I64" -> null;
            default -> throw new IllegalStateException("conversion " + from + " to " + to);
        };
        if (instruction == null) {
            String rzi = "cvt.rzi." + (to == Type.I32 ? "s32" : "s64") + "." + (from == Type.F32 ? "f32" : "f64");
            new PtxJavaFloat(regs, this).toInteger(v, rzi, !(from == Type.F32 && to == Type.I32));
            return;
        }
        line(instruction + " " + regs.of(v) + ", " + regs.of(v.input(0)) + ";");
    }

    /** bf16 bits (the low half of an int) to f32: exactly the top half of the float's bits. */
    private void bfloat16ToFloat(Value v) {
        String t = regs.temp(Kind.B32);
        line("shl.b32 " + t + ", " + regs.of(v.input(0)) + ", 16;");
        line("mov.b32 " + regs.of(v) + ", " + t + ";");
    }

    private void rsqrt(Value v) {
        String f = v.type == Type.F32 ? "f32" : "f64";
        if (fastMath && v.type == Type.F32) {
            line("rsqrt.approx.f32 " + regs.of(v) + ", " + regs.of(v.input(0)) + ";");
            return;
        }
        String root = regs.temp(v.type == Type.F32 ? Kind.F32 : Kind.F64);
        line("sqrt.rn." + f + " " + root + ", " + regs.of(v.input(0)) + ";");
        line("rcp.rn." + f + " " + regs.of(v) + ", " + root + ";");
    }

    /**
     * exp(x) = 2^(x·log2 e) with the product carried in two floats, so the argument error of the naive
     * ex2(x·log2 e) (which grows with |x|) disappears; what remains is ex2.approx's own error: within 3 ulp.
     * The power of two is applied as 2·2^(n-1) so that results just below FLT_MAX do not overflow.
     */
    private void exp(Value v) {
        if (v.type != Type.F32) {
            throw KernelCompileException.at(v, "double-precision exp is not available on PTX yet");
        }
        String x = regs.of(v.input(0));
        if (fastMath) {
            String t = regs.temp(Kind.F32);
            line("mul.f32 " + t + ", " + x + ", 0f3FB8AA3B;");
            line("ex2.approx.f32 " + regs.of(v) + ", " + t + ";");
            return;
        }
        String hi = regs.temp(Kind.F32);
        String lo = regs.temp(Kind.F32);
        String n = regs.temp(Kind.F32);
        String f = regs.temp(Kind.F32);
        String e = regs.temp(Kind.F32);
        String s = regs.temp(Kind.F32);
        line("mul.rn.f32 " + hi + ", " + x + ", 0f3FB8AA3B;");
        line("neg.f32 " + lo + ", " + hi + ";");
        line("fma.rn.f32 " + lo + ", " + x + ", 0f3FB8AA3B, " + lo + ";");
        line("fma.rn.f32 " + lo + ", " + x + ", 0f32A57060, " + lo + ";");
        line("cvt.rni.f32.f32 " + n + ", " + hi + ";");
        line("sub.rn.f32 " + f + ", " + hi + ", " + n + ";");
        line("add.rn.f32 " + f + ", " + f + ", " + lo + ";");
        line("ex2.approx.f32 " + e + ", " + f + ";");
        line("add.rn.f32 " + e + ", " + e + ", " + e + ";");
        line("add.rn.f32 " + n + ", " + n + ", 0fBF800000;");
        line("ex2.approx.f32 " + s + ", " + n + ";");
        line("mul.rn.f32 " + regs.of(v) + ", " + e + ", " + s + ";");
    }

    /**
     * The fast-math lowering of log, sin, cos and tanh: PTX's .approx instructions (log through lg2 times
     * ln 2). Without fast-math these operations never get here: the front end inlines PortableMath for them
     * (MathExpansion.forPtx), because PTX has no accurate instruction for them.
     */
    private void approximateMath(Value v) {
        if (v.type != Type.F32) {
            throw KernelCompileException.at(v, "double-precision " + v.op + " is not available on PTX yet");
        }
        if (!fastMath) {
            throw KernelCompileException.at(v, v.op + " reached the PTX emitter without fast-math; build "
                    + "the graph with MathExpansion.forPtx(false) so that the accurate PortableMath version is inlined");
        }
        String d = regs.of(v);
        String a = regs.of(v.input(0));
        switch (v.op) {
            case LOG -> {
                String log2 = regs.temp(Kind.F32);
                line("lg2.approx.f32 " + log2 + ", " + a + ";");
                line("mul.rn.f32 " + d + ", " + log2 + ", 0f3F317218;");
            }
            case SIN -> line("sin.approx.f32 " + d + ", " + a + ";");
            case COS -> line("cos.approx.f32 " + d + ", " + a + ";");
            default -> line("tanh.approx.f32 " + d + ", " + a + ";");
        }
    }

    /**
     * All 32 lanes take part (full member mask); the clamp 0x1f keeps exchanges inside the warp. shfl reads
     * only the low five bits of a delta or lane mask, while Java's simdShuffleDown/Xor give a lane its own value
     * when the delta or mask is outside 0..31 (PTX would move another lane's value; a random mask of that
     * kind failed the bit-for-bit test on the H100), so such an argument is checked unless it is a constant
     * in range.
     */
    private void shuffle(Value v, String mode) {
        Value lane = v.input(1);
        line("shfl.sync." + mode + ".b32 " + regs.of(v) + ", " + regs.of(v.input(0)) + ", " + regs.of(lane)
                + ", 0x1f, 0xffffffff;");
        if (lane.isConst() && lane.longValue() >= 0 && lane.longValue() < 32) {
            return;
        }
        String high = regs.temp(Kind.B32);
        String outside = regs.temp(Kind.PRED);
        line("and.b32 " + high + ", " + regs.of(lane) + ", -32;");
        line("setp.ne.s32 " + outside + ", " + high + ", 0;");
        line("selp." + bits(v.type) + " " + regs.of(v) + ", " + regs.of(v.input(0)) + ", " + regs.of(v) + ", "
                + outside + ";");
    }
}
