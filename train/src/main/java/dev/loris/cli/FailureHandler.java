package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.tornado.api.DivisionByZeroException;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * Turns an exception escaping a subcommand into one line on stderr and exit code 1.
 *
 * <p>A {@link LorisException} is a user-facing error whose message already says what to do, and so is a
 * {@link DivisionByZeroException} from a user's kernel. Anything else is a
 * bug in Loris: we say so, and {@code --debug} prints the stack trace for the report.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parsed) {
        PrintWriter err = commandLine.getErr();
        boolean debug = parsed.expandedArgs().contains("--debug");
        if (e instanceof LorisException user) {
            err.println("loris: " + user.userMessage());
        } else if (e instanceof DivisionByZeroException kernel) { // the kernel's fault, not Loris': no bug report
            err.println("loris: " + kernel.getMessage());
        } else {
            err.println("loris: internal error: " + e + " (this is a bug in Loris; please report it with the output"
                    + " of the same command run with --debug)");
        }
        if (debug) {
            e.printStackTrace(err);
        } else if (e instanceof LorisException || e instanceof DivisionByZeroException) {
            err.println("(run with --debug for the stack trace)");
        }
        err.flush();
        return FAILURE;
    }
}
