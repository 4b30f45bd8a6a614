package dev.loris.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;

/**
 * Prints values as Jinja2 does, through Python's str(): booleans as "True" / "False" where Jinjava writes
 * "true" / "false". None is left printing as the empty string, because Jinjava cannot tell a None from an
 * undefined variable, and undefined (printing nothing) is the common case in chat templates
 * ({@code {{ bos_token }}} for a tokenizer without one).
 *
 * <p>Also where a render's time limit is enforced: Jinjava has none, and every step of a render (a loop
 * iteration, a variable read) asks the interpreter for its context, so {@link Interpreter#getContext} checks
 * the deadline {@link #withDeadline} set for the current thread and throws {@link TimeLimit} past it. An Error,
 * because Jinjava catches exceptions inside a render and carries on.
 */
final class PythonOutput implements InterpreterFactory {
    private static final ThreadLocal<long[]> DEADLINE = new ThreadLocal<>();

    /** Thrown out of a render that ran past its deadline. */
    static final class TimeLimit extends Error {
        TimeLimit() {
            super("the render ran past its time limit", null, false, false);
        }
    }

    /** Runs {@code render} with a deadline {@code nanos} from now for every render on this thread. */
    static <T> T withDeadline(long nanos, java.util.function.Supplier<T> render) {
        long[] previous = DEADLINE.get();
        DEADLINE.set(new long[] {System.nanoTime() + nanos, 0});
        try {
            return render.get();
        } finally {
            DEADLINE.set(previous);
        }
    }

    @Override
    public JinjavaInterpreter newInstance(JinjavaInterpreter parent) {
        return new Interpreter(parent);
    }

    @Override
    public JinjavaInterpreter newInstance(Jinjava jinjava, Context context, JinjavaConfig config) {
        return new Interpreter(jinjava, context, config);
    }

    private static final class Interpreter extends JinjavaInterpreter {
        Interpreter(JinjavaInterpreter parent) {
            super(parent);
        }

        Interpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
            super(jinjava, context, config);
        }

        @Override
        public Context getContext() {
            long[] deadline = DEADLINE.get();
            // nanoTime every 256 calls: cheap, and a step is far below a millisecond
            if (deadline != null && (++deadline[1] & 255) == 0 && System.nanoTime() - deadline[0] > 0) {
                throw new TimeLimit();
            }
            return super.getContext();
        }

        @Override
        public String getAsString(Object value) {
            if (value instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return super.getAsString(value);
        }
    }
}
