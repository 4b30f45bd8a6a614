package dev.loris.tornado.compiler.opencl;

import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.MemType;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.TargetNames;
import dev.loris.tornado.compiler.ir.Value;

import java.util.List;

/**
 * C names and types: every value is a variable {@code vN}, except constants (written inline), parameters
 * ({@code p_} and their Java names), local arrays ({@code local_vN}), a work-item's own arrays
 * ({@code private_vN}) and constant tables
 * ({@code loris_const_N}, at program scope).
 *
 * <p>Names that come from Java (the kernel's, its parameters') carry a prefix, because Java allows names that
 * OpenCL C reserves or defines: a kernel called {@code mix} or {@code exp} would clash with the built-in
 * function (PoCL renames such a kernel, other drivers reject it), a parameter called {@code global} is an
 * address-space keyword, and one called {@code v3} would be a value's variable. Helpers are {@code loris_*},
 * the entry point {@code loris_kernel_*}: the prelude's names never start with that. Parameters are unique
 * even where Java names clash with hidden ones ({@link TargetNames}).
 */
final class OpenClNames {
    /** Prefix of every __kernel function Loris emits. */
    static final String KERNEL_PREFIX = "loris_kernel_";
    private static final String PARAMETER_PREFIX = "p_";

    private final List<String> parameters;

    OpenClNames(Graph graph) {
        this.parameters = TargetNames.parameters(graph, PARAMETER_PREFIX);
    }

    String of(Value v) {
        return switch (v.op) {
            case CONST -> literal(v);
            case PARAM -> parameters.get(v.index);
            case LOCAL_ARRAY -> "local_v" + v.id;
            case PRIVATE_ARRAY -> "private_v" + v.id;
            case TABLE -> "loris_const_" + v.id;
            default -> "v" + v.id;
        };
    }

    /** The C name of the __kernel function for the Java kernel method {@code javaName}. */
    static String entry(String javaName) {
        return KERNEL_PREFIX + TargetNames.identifier(javaName);
    }

    /** The C name of parameter {@code index} (see {@link TargetNames#parameters}). */
    String parameter(int index) {
        return parameters.get(index);
    }

    static boolean isVariable(Value v) {
        return v.op != Op.CONST && v.op != Op.PARAM && v.op != Op.LOCAL_ARRAY && v.op != Op.TABLE
                && v.op != Op.PRIVATE_ARRAY && v.type != Type.VOID;
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
