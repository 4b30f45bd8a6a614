package dev.loris.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;

/**
 * The {@code loris} command line: the entry point a newcomer starts reading from.
 *
 * <p>Subcommands are added as they become real: {@code devices}, {@code info}, {@code generate}, {@code export}
 * and {@code kernel} (print the code compiled from a Java kernel) now; {@code train} with its issue. Exit codes:
 * 0 success, 1 a failure (one line saying what went wrong and what to do), 2 bad usage. {@code --debug} adds the stack trace.
 */
@Command(name = "loris",
        mixinStandardHelpOptions = true,
        versionProvider = LorisCli.Version.class,
        description = "Fast, memory-efficient fine-tuning of open LLMs in pure Java.",
        subcommands = {DevicesCommand.class, InfoCommand.class, GenerateCommand.class, TrainCommand.class, ExportCommand.class, KernelCommand.class,
                CommandLine.HelpCommand.class})
public final class LorisCli implements Runnable {

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print the full stack trace when something fails.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** As {@link #run(String...)}, writing to {@code out} and {@code err} where given (tests), else the console. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = commandLine(new LorisCli());
        if (out != null) {
            commandLine.setOut(out);
        }
        if (err != null) {
            commandLine.setErr(err);
        }
        CommandLine train = commandLine.getSubcommands().get("train");
        String[] expanded;
        try {
            expanded = TrainConfigFile.expand(args, train.getCommandSpec());
        } catch (CommandLine.ParameterException | dev.loris.LorisException e) {
            commandLine.getErr().println(e instanceof dev.loris.LorisException l ? "loris: " + l.userMessage()
                    : e.getMessage());
            commandLine.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        }
        // The file's settings come first as flags; a flag given again on the command line overrides them.
        train.setOverwrittenOptionsAllowed(expanded != args);
        return commandLine.execute(expanded);
    }

    /** The command line over {@code root} with Loris' failure handling ({@link FailureHandler}) installed. */
    static CommandLine commandLine(Object root) {
        CommandLine commandLine = new CommandLine(root);
        commandLine.setExecutionStrategy(FailureHandler.catchingErrors(new CommandLine.RunLast()));
        commandLine.setExecutionExceptionHandler(new FailureHandler());
        return commandLine;
    }

    @Override
    public void run() {
        // `loris` alone: show what there is to run.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = LorisCli.class.getPackage().getImplementationVersion();
            return new String[] {"loris " + (version == null ? "development build" : version)
                    + " on Java " + Runtime.version()};
        }
    }
}
