package dev.loris.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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
        return commandLine(new LorisCli()).execute(args);
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
