package dev.loris.tornado.compiler.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * One SSA value (or side effect) of the kernel IR: an operation, its operands, and the few attributes some
 * operations need. Values are mutable while passes rewrite the graph; identity is by object.
 */
public final class Value {
    public final int id;
    public Op op;
    public Type type;
    public final List<Value> inputs = new ArrayList<>();
    public Block block;

    public Object constant;   // CONST; TABLE: its ConstantTable
    public int index;         // PARAM number, LOCAL/PRIVATE_ARRAY length, BARRIER kind, checked DIV/REM fault site,
                              // LDMATRIX matrix count, ASYNC_WAIT groups left in flight
    public Special special;   // SPECIAL
    public int dimension;     // SPECIAL
    public Cond cond;         // CMP
    public boolean unordered; // CMP on floats: true when NaN makes the comparison true
    public MemType mem;       // LOAD, STORE, ATOMIC_ADD, LOCAL_ARRAY, PRIVATE_ARRAY
    public int line = -1;     // Java source line, for error messages
    /** Integer DIV and REM: where the division is in Java source, for the division-by-zero report. */
    public StackTraceElement site;

    Value(int id, Op op, Type type, List<Value> inputs) {
        this.id = id;
        this.op = op;
        this.type = type;
        this.inputs.addAll(inputs);
    }

    public Value input(int i) {
        return inputs.get(i);
    }

    public boolean isConst() {
        return op == Op.CONST;
    }

    /** The constant as a long (integers and booleans), for folding and emission. */
    public long longValue() {
        return switch (constant) {
            case Integer i -> i;
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            default -> throw new IllegalStateException("not an integer constant: " + this);
        };
    }

    public double doubleValue() {
        return ((Number) constant).doubleValue();
    }

    public boolean isIntConst(long value) {
        return op == Op.CONST && type.isInteger() && longValue() == value;
    }

    /**
     * An integer division or remainder whose divisor is not a non-zero constant: Java throws when the divisor
     * is 0, so the value is not free of effects (passes keep it even when unused and do not move it onto paths
     * where it did not run), and devices check it ({@code DivisionChecks}).
     */
    public boolean mayDivideByZero() {
        return (op == Op.DIV || op == Op.REM) && type.isInteger()
                && !(input(1).isConst() && input(1).longValue() != 0);
    }

    /** A division the device checks: {@code DivisionChecks} gave it the fault word and code base as inputs 2, 3. */
    public boolean isCheckedDivision() {
        return (op == Op.DIV || op == Op.REM) && inputs.size() == 4;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("v").append(id).append(" = ").append(op);
        switch (op) {
            case CONST, TABLE -> s.append(' ').append(constant);
            case PARAM -> s.append(' ').append(index);
            case SPECIAL -> s.append(' ').append(special).append('.').append("xyz".charAt(dimension));
            case CMP -> s.append(' ').append(cond).append(unordered ? "u" : "");
            case LOAD, STORE, ATOMIC_ADD, LOCAL_ARRAY, PRIVATE_ARRAY -> s.append(' ').append(mem);
            case LDMATRIX, LDMATRIX_T, ASYNC_WAIT -> s.append(' ').append(index);
            case DIV, REM -> s.append(isCheckedDivision() ? " site " + index : "");
            default -> { }
        }
        s.append(' ').append(type);
        for (Value in : inputs) {
            s.append(" v").append(in.id);
        }
        return s.toString();
    }
}
