package dev.loris.tornado.compiler.opencl;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.ir.Cond;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * How each IR operation becomes an OpenCL C expression. Simple cases are rows of {@link #TABLE} ({a} {b} {c}
 * operands); integer arithmetic goes through unsigned types because signed overflow is undefined in C but
 * wraps in Java. Operations that need a helper record it in {@code helpersUsed} for the prelude.
 */
final class OpenClLowering {
    private static final Map<String, String> TABLE = new HashMap<>();

    private static void row(Op op, Type type, String template) {
        TABLE.put(op + "." + type, template);
    }

    static {
        row(Op.ADD, Type.I32, "as_int(as_uint({a}) + as_uint({b}))");
        row(Op.SUB, Type.I32, "as_int(as_uint({a}) - as_uint({b}))");
        row(Op.MUL, Type.I32, "as_int(as_uint({a}) * as_uint({b}))");
        row(Op.NEG, Type.I32, "as_int(0u - as_uint({a}))");
        row(Op.SHL, Type.I32, "as_int(as_uint({a}) << {b})");
        row(Op.USHR, Type.I32, "as_int(as_uint({a}) >> {b})");
        row(Op.ADD, Type.I64, "as_long(as_ulong({a}) + as_ulong({b}))");
        row(Op.SUB, Type.I64, "as_long(as_ulong({a}) - as_ulong({b}))");
        row(Op.MUL, Type.I64, "as_long(as_ulong({a}) * as_ulong({b}))");
        row(Op.NEG, Type.I64, "as_long(0ul - as_ulong({a}))");
        row(Op.SHL, Type.I64, "as_long(as_ulong({a}) << {b})");
        row(Op.USHR, Type.I64, "as_long(as_ulong({a}) >> {b})");
        for (Type t : new Type[] {Type.I32, Type.I64}) {
            // OpenCL C masks shift counts to the operand width, as Java does.
            row(Op.SHR, t, "({a} >> {b})");
            row(Op.AND, t, "({a} & {b})");
            row(Op.OR, t, "({a} | {b})");
            row(Op.XOR, t, "({a} ^ {b})");
            row(Op.MIN, t, "min({a}, {b})");
            row(Op.MAX, t, "max({a}, {b})");
            row(Op.ABS, t, "({a} < 0 ? -{a} : {a})".replace("-{a}", t == Type.I32 ? "as_int(0u - as_uint({a}))"
                    : "as_long(0ul - as_ulong({a}))"));
        }
        for (Type t : new Type[] {Type.F32, Type.F64}) {
            row(Op.ADD, t, "({a} + {b})");
            row(Op.SUB, t, "({a} - {b})");
            row(Op.MUL, t, "({a} * {b})");
            row(Op.DIV, t, "({a} / {b})");
            row(Op.NEG, t, "(-{a})");
            // Clearing the sign bit, as Java does: NVIDIA's fabs of a NaN gives the canonical 0x7FFFFFFF.
            row(Op.ABS, t, t == Type.F32 ? "as_float(as_uint({a}) & 0x7FFFFFFFu)"
                    : "as_double(as_ulong({a}) & 0x7FFFFFFFFFFFFFFFul)");
            row(Op.SQRT, t, "sqrt({a})");
            row(Op.RSQRT, t, "rsqrt({a})");
            row(Op.EXP, t, "exp({a})");
            row(Op.LOG, t, "log({a})");
            row(Op.SIN, t, "sin({a})");
            row(Op.COS, t, "cos({a})");
            row(Op.TANH, t, "tanh({a})");
            row(Op.POW, t, "pow({a}, {b})");
            row(Op.FMA, t, "fma({a}, {b}, {c})");
            // Through a NaN check: PoCL's floor/ceil, given a NaN its LLVM can prove (NaN / x), leave the
            // store of the result out or give 0 (DifferentialConformanceTest found it; JavaConformanceTest).
            String suffix = t == Type.F32 ? "f" : "d";
            row(Op.FLOOR, t, "loris_floor" + suffix + "({a})");
            row(Op.CEIL, t, "loris_ceil" + suffix + "({a})");
        }
        row(Op.EXP2_APPROX, Type.F32, "exp2({a})");
        row(Op.MIN, Type.F32, "loris_minf({a}, {b})");
        row(Op.MAX, Type.F32, "loris_maxf({a}, {b})");
        row(Op.MIN, Type.F64, "loris_mind({a}, {b})");
        row(Op.MAX, Type.F64, "loris_maxd({a}, {b})");
        row(Op.NOT, Type.PRED, "(!{a})");
        row(Op.SELECT, Type.I32, "({a} ? {b} : {c})");
        row(Op.SELECT, Type.I64, "({a} ? {b} : {c})");
        row(Op.SELECT, Type.F32, "({a} ? {b} : {c})");
        row(Op.SELECT, Type.F64, "({a} ? {b} : {c})");
        row(Op.SEXT8, Type.I32, "((int) (char) {a})");
        row(Op.SEXT16, Type.I32, "((int) (short) {a})");
        row(Op.ZEXT16, Type.I32, "({a} & 0xFFFF)");
        row(Op.BITCAST, Type.I32, "as_int({a})");
        row(Op.BITCAST, Type.F32, "as_float({a})");
        row(Op.BITCAST, Type.I64, "as_long({a})");
        row(Op.BITCAST, Type.F64, "as_double({a})");
        row(Op.F16_TO_F32, Type.F32, "loris_half_to_float({a})");
        row(Op.F32_TO_F16, Type.I32, "loris_float_to_half({a})");
        row(Op.BF16_TO_F32, Type.F32, "as_float({a} << 16)");
        row(Op.F32_TO_BF16, Type.I32, "loris_float_to_bf16({a})");
        row(Op.PACK_BF16X2, Type.I32, "loris_pack_bf16x2({a}, {b})");
    }

    /**
     * With fast-math, float exp/log/sin/cos use the native_* built-ins (accuracy implementation-defined);
     * tanh has no native version and keeps the built-in. Without it these operations are normally inlined
     * from PortableMath by the front end (MathExpansion.forOpenCl) and reach the table only in double.
     */
    private static final Map<String, String> FAST_MATH = Map.of(
            Op.EXP + "." + Type.F32, "native_exp({a})",
            Op.LOG + "." + Type.F32, "native_log({a})",
            Op.SIN + "." + Type.F32, "native_sin({a})",
            Op.COS + "." + Type.F32, "native_cos({a})");

    private final OpenClNames names;
    private final Set<String> helpersUsed;
    private final boolean fastMath;
    private final OpenClWarpLowering warps;

    OpenClLowering(OpenClNames names, Set<String> helpersUsed, boolean fastMath, OpenClWarpLowering warps) {
        this.names = names;
        this.helpersUsed = helpersUsed;
        this.fastMath = fastMath;
        this.warps = warps;
    }

    /** The C expression computing {@code v}, or a statement for effects (store, barrier). */
    String expression(Value v) {
        String key = v.op + "." + v.type;
        String template = fastMath && FAST_MATH.containsKey(key) ? FAST_MATH.get(key) : TABLE.get(key);
        if (template != null) {
            noteHelper(template);
            return fill(template, v);
        }
        return switch (v.op) {
            case CONST -> OpenClNames.literal(v);
            case SPECIAL -> special(v);
            case CMP -> compare(v);
            case DIV, REM -> javaDivision(v);
            case CONVERT -> convert(v);
            case LOAD -> v.input(0).type == Type.PTR_CONST ? OpenClTables.load(v.mem, access(v)) : access(v);
            case STORE -> access(v) + " = " + narrow(v.mem, names.of(v.input(2)));
            case ATOMIC_ADD -> atomicAdd(v);
            case SHUFFLE_DOWN, SHUFFLE_XOR, SHUFFLE_IDX -> warps.expression(v);
            case BARRIER -> v.index == 0 ? "barrier(CLK_LOCAL_MEM_FENCE)"
                    : "barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE)";
            default -> throw KernelCompileException.at(v,
                    "the operation " + v.op + " on " + v.type + " is not available on OpenCL yet");
        };
    }

    private void noteHelper(String template) {
        for (String helper : OpenClPrelude.HELPERS.keySet()) {
            if (template.contains(helper + "(")) {
                helpersUsed.add(helper);
            }
        }
    }

    private String fill(String template, Value v) {
        String s = template;
        String[] slots = {"{a}", "{b}", "{c}"};
        for (int i = 0; i < v.inputs.size() && i < slots.length; i++) {
            s = s.replace(slots[i], names.of(v.input(i)));
        }
        return s;
    }

    private static final String[] AXES = {"0", "1", "2"};

    private static String special(Value v) {
        String function = switch (v.special) {
            case GLOBAL_ID -> "get_global_id";
            case LOCAL_ID -> "get_local_id";
            case GROUP_ID -> "get_group_id";
            case GLOBAL_SIZE -> "get_global_size";
            case LOCAL_SIZE -> "get_local_size";
            case GROUP_COUNT -> "get_num_groups";
        };
        return "(int) " + function + "(" + AXES[v.dimension] + ")";
    }

    private String compare(Value v) {
        String a = names.of(v.input(0));
        String b = names.of(v.input(1));
        if (!v.input(0).type.isFloat()) {
            return "(" + a + " " + symbol(v.cond) + " " + b + ")";
        }
        // C's comparisons are ordered except !=, which is true for NaN.
        if (!v.unordered) {
            return v.cond == Cond.NE ? "islessgreater(" + a + ", " + b + ")" : "(" + a + " " + symbol(v.cond) + " " + b + ")";
        }
        return v.cond == Cond.NE ? "(" + a + " != " + b + ")"
                : v.cond == Cond.EQ ? "!islessgreater(" + a + ", " + b + ")"
                : "!(" + a + " " + symbol(v.cond.negate()) + " " + b + ")";
    }

    private static String symbol(Cond cond) {
        return switch (cond) {
            case EQ -> "==";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
        };
    }

    /**
     * Java's MIN / -1 wraps and MIN % -1 is 0; C leaves both undefined. Division by zero gives 0; a checked
     * division (see DivisionChecks) also records it: the fault word goes from 0 to base + site, by
     * compare-and-swap so the first fault of a run stays.
     */
    private String javaDivision(Value v) {
        String a = names.of(v.input(0));
        String b = names.of(v.input(1));
        String operator = v.op == Op.DIV ? "/" : "%";
        String special = v.op == Op.REM ? "0" : (v.type == Type.I32 ? "as_int(0u - as_uint(" + a + "))"
                : "as_long(0ul - as_ulong(" + a + "))");
        String byZero = !v.isCheckedDivision() ? "0" : "(atomic_cmpxchg(" + names.of(v.input(2)) + ", 0, "
                + names.of(v.input(3)) + " + " + v.index + "), 0)";
        return "(" + b + " == -1 ? " + special + " : " + b + " == 0 ? " + byZero + " : " + a + " " + operator + " "
                + b + ")";
    }

    private String convert(Value v) {
        String a = names.of(v.input(0));
        Type from = v.input(0).type;
        return switch (from + ">" + v.type) {
            case "I32>I64" -> "((long) " + a + ")";
            case "I64>I32" -> "as_int((uint) as_ulong(" + a + "))";
            // The spec sends NaN to 0 under _sat, as Java does, but NVIDIA's OpenCL gives LONG_MIN: say it.
            case "F32>I32", "F64>I32" -> "(isnan(" + a + ") ? 0 : convert_int_sat_rtz(" + a + "))";
            case "F32>I64", "F64>I64" -> "(isnan(" + a + ") ? 0L : convert_long_sat_rtz(" + a + "))";
            case "I32>F32", "I64>F32", "F64>F32" -> "convert_float_rte(" + a + ")";
            case "I32>F64", "I64>F64", "F32>F64" -> "convert_double_rte(" + a + ")";
            default -> a;
        };
    }

    private String access(Value v) {
        return names.of(v.input(0)) + "[" + names.of(v.input(1)) + "]";
    }

    private static String narrow(MemType mem, String value) {
        return switch (mem) {
            case I8 -> "(char) " + value;
            case I16 -> "(short) " + value;
            case U16 -> "(ushort) " + value;
            default -> value;
        };
    }

    private String atomicAdd(Value v) {
        boolean global = v.input(0).type == Type.PTR_GLOBAL;
        String address = names.of(v.input(0)) + " + " + names.of(v.input(1));
        if (v.mem == MemType.I32) {
            return "atomic_add(" + address + ", " + names.of(v.input(2)) + ")";
        }
        String helper = global ? "loris_atomic_add_global_f32" : "loris_atomic_add_local_f32";
        helpersUsed.add(helper);
        return helper + "(" + address + ", " + names.of(v.input(2)) + ")";
    }
}
