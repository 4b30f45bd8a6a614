package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM's local variables and operand stack during abstract interpretation, holding SSA values. A long or
 * double takes one stack entry here (the JVM's two-slot rule matters only for pop2/dup2, see category()).
 */
final class Frame {
    final Value[] locals;
    final List<Value> stack;

    Frame(int maxLocals) {
        this.locals = new Value[maxLocals];
        this.stack = new ArrayList<>();
    }

    private Frame(Value[] locals, List<Value> stack) {
        this.locals = locals;
        this.stack = stack;
    }

    Frame copy() {
        return new Frame(Arrays.copyOf(locals, locals.length), new ArrayList<>(stack));
    }

    void push(Value v) {
        stack.add(v);
    }

    Value pop() {
        return stack.removeLast();
    }

    Value peek() {
        return stack.getLast();
    }

    /** The JVM category of a stack entry: 2 for long and double. */
    static int category(Value v) {
        return v.type == Type.I64 || v.type == Type.F64 ? 2 : 1;
    }

    /** Slot {@code s} of the combined numbering used for phis: locals first, then stack entries. */
    Value slot(int s) {
        return s < locals.length ? locals[s] : stack.get(s - locals.length);
    }

    void setSlot(int s, Value v) {
        if (s < locals.length) {
            locals[s] = v;
        } else {
            stack.set(s - locals.length, v);
        }
    }

    int slotCount() {
        return locals.length + stack.size();
    }
}
