package dev.loris.tornado.compiler.frontend;

import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the builders of one kernel share while inlining: the class loader that resolves callees and the chain
 * of methods being inlined, so recursion is reported instead of looping forever, and the math operations the
 * target wants expanded from Java.
 */
final class InlineContext {
    static final int MAX_DEPTH = 32;

    final ClassLoader loader;
    /** Math operations compiled by inlining their PortableMath body instead of emitting the operation. */
    final Set<Op> expandInJava;
    /** The length of each array parameter (its hidden parameter) and array phi (a phi of lengths), for getSize(). */
    final Map<Value, Value> arrayLengths = new HashMap<>();
    /** The array class ("BFloat16Array") of each floating-point array parameter, specialised or declared. */
    final Map<Value, String> arrayClasses = new HashMap<>();
    /** The TABLE value of each static final array read so far ("Class.FIELD"), so each is snapshotted once. */
    final Map<String, Value> tables = new HashMap<>();
    private final Deque<String> callChain = new ArrayDeque<>();

    InlineContext(ClassLoader loader, Set<Op> expandInJava) {
        this.loader = loader;
        this.expandInJava = Set.copyOf(expandInJava);
    }

    /** Enters a callee; false when it is already on the chain (recursion). */
    boolean enter(String method) {
        if (callChain.contains(method) || callChain.size() >= MAX_DEPTH) {
            return false;
        }
        callChain.push(method);
        return true;
    }

    void exit() {
        callChain.pop();
    }

    String chain() {
        return String.join(" <- ", callChain);
    }
}
