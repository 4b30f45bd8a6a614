package dev.loris.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A command line run in-process for CLI tests, as the launcher runs it (one-line failures), capturing both streams. */
public record CliRun(int exitCode, String out, String err) {
    /** Runs {@code args} over the {@code loris} command. */
    public static CliRun of(String... args) {
        return over(new LorisCli(), args);
    }

    /** Runs {@code args} over {@code root} (a command object). */
    public static CliRun over(Object root, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        if (root instanceof LorisCli) { // the launcher's own path, --config expansion included
            int code = LorisCli.run(new PrintWriter(out), new PrintWriter(err), args);
            return new CliRun(code, out.toString(), err.toString());
        }
        CommandLine commandLine = LorisCli.commandLine(root);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
