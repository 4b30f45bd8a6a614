package dev.loris.tornado.compiler.opencl;

import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

/**
 * C names and types: every value is a variable {@code vN}, except constants (written inline), parameters
 * (their Java names) and local arrays ({@code local_vN}).
 */
final class OpenClNames {
    private final dev.loris.tornado.compiler.ir.Graph graph;

    OpenClNames(dev.loris.tornado.compiler.ir.Graph graph) {
        this.graph = graph;
    }

    String of(Value v) {
        return switch (v.op) {
            case CONST -> literal(v);
            case PARAM -> graph.params.get(v.index).name();
            case LOCAL_ARRAY -> "local_v" + v.id;
            default -> "v" + v.id;
        };
    }

    static boolean isVariable(Value v) {
        return v.op != Op.CONST && v.op != Op.PARAM && v.op != Op.LOCAL_ARRAY && v.type != Type.VOID;
    }

    static String scalarType(Type t) {
        return switch (t) {
            case I32 -> "int";
            case I64 -> "long";
            case F32 -> "float";
            case F64 -> "double";
            case PRED -> "bool";
            default -> throw new IllegalStateException("no scalar C type for " + t);
        };
    }

    static String elementType(MemType mem) {
        return switch (mem) {
            case I8 -> "char";
            case I16 -> "short";
            case U16 -> "ushort";
            case I32 -> "int";
            case I64 -> "long";
            case F32 -> "float";
            case F64 -> "double";
        };
    }

    static String literal(Value v) {
        return switch (v.type) {
            case I32 -> (int) v.longValue() == Integer.MIN_VALUE ? "(-2147483647 - 1)" : Integer.toString((int) v.longValue());
            case I64 -> v.longValue() == Long.MIN_VALUE ? "(-9223372036854775807L - 1L)" : v.longValue() + "L";
            case F32 -> floatLiteral(((Number) v.constant).floatValue());
            case F64 -> doubleLiteral(((Number) v.constant).doubleValue());
            case PRED -> v.longValue() != 0 ? "true" : "false";
            default -> throw new IllegalStateException(v.toString());
        };
    }

    /** Exact float literals: hexadecimal for fractions, bit patterns for NaN and infinities. */
    private static String floatLiteral(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f)) {
            return "as_float(0x" + Integer.toHexString(Float.floatToRawIntBits(f)) + "u)";
        }
        if (f == (int) f && Math.abs(f) < 1e7f && !(f == 0 && 1 / f < 0)) {
            return (int) f + ".0f";
        }
        return Float.toHexString(f) + "f";
    }

    private static String doubleLiteral(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "as_double(0x" + Long.toHexString(Double.doubleToRawLongBits(d)) + "ul)";
        }
        if (d == (long) d && Math.abs(d) < 1e15 && !(d == 0 && 1 / d < 0)) {
            return (long) d + ".0";
        }
        return Double.toHexString(d);
    }
}
