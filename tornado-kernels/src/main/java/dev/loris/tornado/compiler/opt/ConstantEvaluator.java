package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Cond;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.List;

/**
 * Evaluates one IR operation on constant operands exactly as Java would, so folding never changes a kernel's
 * results. Operands and results are boxed the way {@code Value.constant} holds them (Integer, Long, Float,
 * Double; predicates as Boolean). Returns null for what must stay a run-time operation: integer division by
 * zero (its device behaviour is the emitters' business), transcendental math (the device's rounding is the
 * answer, not the JVM's), memory, synchronisation and half-precision conversions.
 */
final class ConstantEvaluator {
    private ConstantEvaluator() {
    }

    /** A constant value as {@link #evaluate} takes it: predicates as Boolean, numbers as boxed. */
    static Object operand(Value constant) {
        return constant.type == Type.PRED ? (Object) (constant.longValue() != 0) : constant.constant;
    }

    static Object evaluate(Op op, Type type, List<Object> in, Cond cond, boolean unordered) {
        return switch (op) {
            case CMP -> compare(in.get(0), in.get(1), cond, unordered);
            case NOT -> !(Boolean) in.get(0);
            case SELECT -> (Boolean) in.get(0) ? in.get(1) : in.get(2);
            case CONVERT -> convert(in.get(0), type);
            case BITCAST -> bitcast(in.get(0), type);
            case SEXT8 -> (int) (byte) (int) (Integer) in.get(0);
            case SEXT16 -> (int) (short) (int) (Integer) in.get(0);
            case ZEXT16 -> (Integer) in.get(0) & 0xFFFF;
            // Left to the device, as the class comment says (and not to arithmetic(), whose operand types they
            // do not have: their bits are I32 on one side and F32 on the other).
            case F16_TO_F32, F32_TO_F16, BF16_TO_F32, F32_TO_BF16, PACK_BF16X2 -> null;
            default -> arithmetic(op, type, in);
        };
    }

    private static Object arithmetic(Op op, Type type, List<Object> in) {
        return switch (type) {
            case I32 -> int32(op, (Integer) in.get(0), in.size() > 1 ? (Integer) in.get(1) : 0);
            case I64 -> int64(op, (Long) in.get(0), in.size() > 1 ? ((Number) in.get(1)).longValue() : 0);
            case F32 -> float32(op, in);
            case F64 -> float64(op, in);
            default -> null;
        };
    }

    private static Integer int32(Op op, int a, int b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> b == 0 ? null : a / b;
            case REM -> b == 0 ? null : a % b;
            case NEG -> -a;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case ABS -> Math.abs(a);
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case SHL -> a << b;
            case SHR -> a >> b;
            case USHR -> a >>> b;
            default -> null;
        };
    }

    /** Shift counts of long shifts are ints in Java, hence the Number operand. */
    private static Long int64(Op op, long a, long b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> b == 0 ? null : a / b;
            case REM -> b == 0 ? null : a % b;
            case NEG -> -a;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case ABS -> Math.abs(a);
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case SHL -> a << b;
            case SHR -> a >> b;
            case USHR -> a >>> b;
            default -> null;
        };
    }

    private static Float float32(Op op, List<Object> in) {
        float a = (Float) in.get(0);
        float b = in.size() > 1 ? (Float) in.get(1) : 0f;
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case REM -> a % b;
            case NEG -> -a;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case ABS -> Math.abs(a);
            case SQRT -> (float) Math.sqrt(a); // correctly rounded: sqrt in double then to float is exact
            case FLOOR -> (float) Math.floor(a);
            case CEIL -> (float) Math.ceil(a);
            case FMA -> Math.fma(a, b, (Float) in.get(2));
            default -> null;
        };
    }

    private static Double float64(Op op, List<Object> in) {
        double a = (Double) in.get(0);
        double b = in.size() > 1 ? (Double) in.get(1) : 0d;
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case REM -> a % b;
            case NEG -> -a;
            case MIN -> Math.min(a, b);
            case MAX -> Math.max(a, b);
            case ABS -> Math.abs(a);
            case SQRT -> Math.sqrt(a);
            case FLOOR -> Math.floor(a);
            case CEIL -> Math.ceil(a);
            case FMA -> Math.fma(a, b, (Double) in.get(2));
            default -> null;
        };
    }

    private static Boolean compare(Object a, Object b, Cond cond, boolean unordered) {
        if (a instanceof Integer || a instanceof Long) {
            return cond.test(Long.compare(((Number) a).longValue(), ((Number) b).longValue()));
        }
        if (a instanceof Boolean x) {
            return cond.test(Boolean.compare(x, (Boolean) b));
        }
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return unordered;
        }
        // Not Double.compare: IEEE says -0.0 == 0.0.
        return cond.test(x < y ? -1 : x > y ? 1 : 0);
    }

    private static Object convert(Object a, Type to) {
        return switch (a) {
            case Integer i -> switch (to) {
                case I32 -> i;
                case I64 -> (long) i;
                case F32 -> (float) i;
                case F64 -> (double) i;
                default -> null;
            };
            case Long l -> switch (to) {
                case I32 -> (int) (long) l;
                case I64 -> l;
                case F32 -> (float) l;
                case F64 -> (double) l;
                default -> null;
            };
            case Float f -> switch (to) {
                case I32 -> (int) (float) f;
                case I64 -> (long) (float) f;
                case F32 -> f;
                case F64 -> (double) f;
                default -> null;
            };
            case Double d -> switch (to) {
                case I32 -> (int) (double) d;
                case I64 -> (long) (double) d;
                case F32 -> (float) (double) d;
                case F64 -> d;
                default -> null;
            };
            default -> null;
        };
    }

    private static Object bitcast(Object a, Type to) {
        return switch (to) {
            case I32 -> Float.floatToRawIntBits((Float) a);
            case F32 -> Float.intBitsToFloat((Integer) a);
            case I64 -> Double.doubleToRawLongBits((Double) a);
            case F64 -> Double.longBitsToDouble((Long) a);
            default -> null;
        };
    }
}
