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
 */
final class PythonOutput implements InterpreterFactory {

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
        public String getAsString(Object value) {
            if (value instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return super.getAsString(value);
        }
    }
}
