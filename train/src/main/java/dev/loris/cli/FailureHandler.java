package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.tornado.api.DivisionByZeroException;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Turns whatever escapes a subcommand into one line on stderr and an exit code: the one place where the
 * command line decides exit codes past parsing.
 *
 * <p>A {@link LorisException} is a user-facing error whose message already says what to do (exit 1), and
 * so is a {@link DivisionByZeroException} from a user's kernel; an {@link InvalidSettingException} is bad
 * usage (exit 2, as for options picocli rejects). An {@link OutOfMemoryError} says which memory ran out and
 * how to give more. Anything else, Errors included (picocli lets those pass; {@link #catchingErrors} hands
 * them here), is a bug in Loris: we say so, and {@code --debug} prints the stack trace for the report.
 *
 * <p>Messages may echo what a file holds (tensor names, metadata keys, config strings): control characters
 * are printed as escapes, so that a hostile name cannot rewrite the user's terminal.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    static final int FAILURE = 1;
    static final int USAGE = CommandLine.ExitCode.USAGE;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        Throwable failure = e instanceof CommandLine.ExecutionException wrapper && wrapper.getCause() instanceof Error
                ? wrapper.getCause() : e;
        PrintWriter err = commandLine.getErr();
        boolean debug = parsed.expandedArgs().contains("--debug");
        boolean explained = true;
        if (failure instanceof LorisException user) {
            err.println("loris: " + printable(user.userMessage()));
        } else if (failure instanceof DivisionByZeroException kernel) { // the kernel's fault, not Loris': no bug report
            err.println("loris: " + printable(kernel.getMessage()));
        } else if (failure instanceof OutOfMemoryError oom) {
            err.println("loris: out of memory (" + printable(String.valueOf(oom.getMessage())) + "): give the JVM more"
                    + " heap (LORIS_JAVA_OPTS=-Xmx16g) or ask for less (a shorter sequence, a smaller batch)");
        } else {
            explained = false;
            err.println("loris: internal error: " + printable(failure.toString()) + " (this is a bug in Loris; please"
                    + " report it with the output of the same command run with --debug)");
        }
        if (debug) {
            failure.printStackTrace(err);
        } else if (explained) {
            err.println("(run with --debug for the stack trace)");
        }
        err.flush();
        return failure instanceof InvalidSettingException ? USAGE : FAILURE;
    }

    /**
     * {@code strategy}, with Errors thrown by the command handed on as an ExecutionException (picocli lets
     * Errors escape {@code execute}, past the exception handler, as stack traces).
     */
    static CommandLine.IExecutionStrategy catchingErrors(CommandLine.IExecutionStrategy strategy) {
        return parsed -> {
            try {
                return strategy.execute(parsed);
            } catch (Error error) {
                throw new CommandLine.ExecutionException(parsed.commandSpec().commandLine(), error.toString(), error);
            }
        };
    }

    /** {@code text} on one line, control characters written as {@code \\n}, {@code \\r} or {@code \\uXXXX}. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\r') {
                out.append("\\r");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
