package dev.loris.cli;

import dev.loris.testing.FuzzOutcome;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line's fuzz ring (issue 16): random subcommands, options and values (numbers at the edges of
 * their types, NaN, unknown names, empty strings, control characters), against a model folder that does not
 * exist so that nothing heavy starts. Every run must end as the README says: exit 0, 1 (one line saying what
 * failed) or 2 (bad usage), never an internal error, a stack trace or a hang.
 */
class OptionsFuzzTest {
    @Provide
    Arbitrary<List<String>> commandLines() {
        Arbitrary<String> command = Arbitraries.of("generate", "train", "export", "info", "kernel", "devices", "help", "x");
        Arbitrary<String> option = Arbitraries.of("--model", "--prompt", "--max-new-tokens", "--temperature", "--top-k",
                "--top-p", "--repetition-penalty", "--seed", "--stop", "--device", "--precision", "--adapter",
                "--load-in-4bit", "--load-in-8bit", "--data", "--out", "--epochs", "--max-steps", "--batch-size",
                "--grad-accum", "--lr", "--lora-r", "--lora-alpha", "--lora-dropout", "--max-seq-length", "--format",
                "--quant", "--threads", "--target", "--arch", "--constant", "--raw", "--debug", "--no-such", "-h");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("0", "-1", "1", "2147483647", "-2147483648", "9223372036854775807", "1e400", "NaN",
                        "Infinity", "-0", "0.5", "", " ", "tpu", "cuda:99", "opencl:-1", "jvm", "auto", "bf16", "f8",
                        "q4_k_m", "zip", "sm_1", "2=200", "x=y", "\u001b[2J", "/no/such/model", "a,b", "..", "--"),
                Arbitraries.strings().ofMaxLength(8));
        Arbitrary<List<String>> pair = Arbitraries.oneOf(option.map(List::of),
                option.flatMap(o -> value.map(v -> List.of(o, v))));
        return command.flatMap(c -> pair.list().ofMaxSize(6).map(pairs -> {
            List<String> args = new ArrayList<>(List.of(c, "--model", "/no/such/model"));
            pairs.forEach(args::addAll);
            return args;
        }));
    }

    @Property(seed = "1607")
    void everyCommandLineEndsAsTheReadmeSays(@ForAll("commandLines") List<String> args) {
        CliRun[] run = new CliRun[1];
        FuzzOutcome.accepts(String.join(" ", args), () -> run[0] = CliRun.of(args.toArray(String[]::new)));
        int code = run[0].exitCode();
        assertTrue(code == 0 || code == 1 || code == 2, args + " exited " + code + "\n" + run[0].err());
        assertFalse(run[0].err().contains("internal error"), args + "\n" + run[0].err());
        if (!args.contains("--debug")) {
            assertFalse(run[0].err().contains("\tat "), args + "\n" + run[0].err());
        }
    }
}
