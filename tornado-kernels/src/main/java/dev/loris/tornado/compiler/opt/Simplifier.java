package dev.loris.tornado.compiler.opt;

import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

/**
 * Algebraic identities that hold bit for bit under Java semantics: x+0, x*1, x&-1, x|0, shifts by 0, x-x
 * (integers), select with equal arms, double negation of predicates, int->long->int round trips. Rewrites
 * that need a new operation (x*2^k -> x<<k, negated comparisons) mutate the value in place; otherwise the
 * value an expression equals is returned for the caller to substitute.
 */
final class Simplifier {
    private Simplifier() {
    }

    /** The existing value v equals, v itself after an in-place rewrite, or null. */
    static Value simplify(Graph graph, Value v) {
        return switch (v.op) {
            case ADD, SUB, MUL, DIV, REM, AND, OR, XOR, SHL, SHR, USHR ->
                    v.type.isInteger() ? integer(graph, v) : v.type.isFloat() ? floating(v) : null;
            case SELECT -> v.input(1) == v.input(2) ? v.input(1) : null;
            case NOT -> not(v);
            case CONVERT -> v.type == Type.I32 && v.input(0).op == Op.CONVERT && v.input(0).type == Type.I64
                    && v.input(0).input(0).type == Type.I32 ? v.input(0).input(0) : null;
            default -> null;
        };
    }

    private static Value integer(Graph graph, Value v) {
        Value a = v.input(0);
        Value b = v.input(1);
        if (a == b && (v.op == Op.SUB || v.op == Op.XOR)) {
            return zero(v);
        }
        if (a == b && (v.op == Op.AND || v.op == Op.OR)) {
            return a;
        }
        if (b.isConst()) {
            long c = b.longValue();
            if (c == 0 && (v.op == Op.ADD || v.op == Op.SUB || v.op == Op.OR || v.op == Op.XOR || v.op == Op.SHL
                    || v.op == Op.SHR || v.op == Op.USHR)) {
                return a;
            }
            if (c == 1 && (v.op == Op.MUL || v.op == Op.DIV)) {
                return a;
            }
            if (c == -1 && v.op == Op.AND) {
                return a;
            }
            if ((c == 0 && (v.op == Op.MUL || v.op == Op.AND)) || (c == 1 && v.op == Op.REM)) {
                return zero(v);
            }
            if (v.op == Op.MUL && c > 0 && Long.bitCount(c) == 1) {
                return multiplyToShift(graph, v, Long.numberOfTrailingZeros(c));
            }
        }
        if (a.isConst() && v.op.isCommutative()) {
            // Constants on the right, so the rules above and value numbering see one form.
            v.inputs.set(0, b);
            v.inputs.set(1, a);
            return simplify(graph, v);
        }
        return null;
    }

    private static Value multiplyToShift(Graph graph, Value v, int shift) {
        Value count = graph.create(Op.CONST, Type.I32);
        count.constant = shift;
        count.block = v.block;
        v.block.values.add(v.block.values.indexOf(v), count);
        v.op = Op.SHL;
        v.inputs.set(1, count);
        return v;
    }

    private static Value zero(Value v) {
        v.op = Op.CONST;
        v.inputs.clear();
        v.constant = v.type == Type.I32 ? (Object) 0 : (Object) 0L;
        return v;
    }

    private static Value floating(Value v) {
        Value b = v.input(1);
        if (!b.isConst()) {
            return null;
        }
        double c = b.doubleValue();
        boolean negativeZero = c == 0 && 1 / c < 0;
        boolean identity = switch (v.op) {
            case MUL, DIV -> c == 1;
            case SUB -> c == 0 && !negativeZero;
            case ADD -> negativeZero;
            default -> false;
        };
        return identity ? v.input(0) : null;
    }

    private static Value not(Value v) {
        Value a = v.input(0);
        if (a.op == Op.NOT) {
            return a.input(0);
        }
        return null;
    }
}
