package dev.loris.cli;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, the command line under hostile input: Errors (out of memory above all) get the one-line
 * treatment, control characters in echoed names cannot rewrite the terminal, option values that parse but
 * are invalid exit 2 (bad usage, as the README says) like options picocli rejects, and {@code info} prints
 * nothing before a checkpoint error.
 */
class HostileCliTest {

    @Command(name = "throws")
    static final class ThrowingCommand implements Runnable {
        @CommandLine.Option(names = "--debug")
        boolean debug;
        @CommandLine.Option(names = "--what")
        String what = "";

        @Override
        public void run() {
            switch (what) {
                case "oom" -> throw new OutOfMemoryError("Java heap space");
                case "stack" -> throw new StackOverflowError();
                case "escape" -> throw new LorisException("tensor 'a\u001b[2J\u001b[1;1Hb\rc' is damaged", "hint\u0007");
                default -> throw new IllegalStateException("no --what");
            }
        }
    }

    @Test
    void outOfMemoryIsOneLineWithAHint() {
        CliRun result = CliRun.over(new ThrowingCommand(), "--what", "oom");
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("loris: out of memory (Java heap space)"), result.err());
        assertTrue(result.err().contains("-Xmx"), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
    }

    @Test
    void otherErrorsAreReportedAsBugsOnOneLine() {
        CliRun result = CliRun.over(new ThrowingCommand(), "--what", "stack");
        assertEquals(1, result.exitCode());
        assertTrue(result.err().startsWith("loris: internal error: java.lang.StackOverflowError"), result.err());
        assertFalse(result.err().contains("\tat "), result.err());
        CliRun debug = CliRun.over(new ThrowingCommand(), "--what", "stack", "--debug");
        assertTrue(debug.err().contains("\tat "), debug.err());
    }

    @Test
    void controlCharactersInMessagesAreEscaped() {
        CliRun result = CliRun.over(new ThrowingCommand(), "--what", "escape");
        assertEquals(1, result.exitCode());
        String first = result.err().lines().findFirst().orElseThrow();
        assertEquals("loris: tensor 'a\\u001b[2J\\u001b[1;1Hb\\rc' is damaged: hint\\u0007", first);
        assertFalse(result.err().chars().anyMatch(c -> c < 0x20 && c != '\n'), result.err());
    }

    @Test
    void invalidOptionValuesExitTwo(@TempDir Path dir) {
        for (String[] args : new String[][] {
                {"generate", "--model", dir.toString(), "--prompt", "x", "--temperature", "NaN"},
                {"generate", "--model", dir.toString(), "--prompt", "x", "--top-p", "0"},
                {"generate", "--model", dir.toString(), "--prompt", "x", "--precision", "f8"},
                {"generate", "--model", dir.toString(), "--prompt", "x", "--max-new-tokens", "0"},
                {"generate", "--model", dir.toString(), "--prompt", "x", "--device", "tpu"},
                {"export", "--model", dir.toString(), "--out", dir.resolve("o").toString(), "--format", "zip"},
                {"kernel", "dev.loris.cli.CliTestKernels", "scalars", "--target", "spirv"},
        }) {
            CliRun result = CliRun.over(new LorisCli(), args);
            assertEquals(2, result.exitCode(), String.join(" ", args) + "\n" + result.err());
            assertTrue(result.err().startsWith("loris: "), result.err());
        }
    }

    @Test
    void infoPrintsNothingBeforeACheckpointError(@TempDir Path dir) throws IOException {
        Files.copy(LorisCliTest.referenceModel("qwen2").resolve("config.json"), dir.resolve("config.json"));
        CliRun result = CliRun.over(new LorisCli(), "info", dir.toString());
        assertEquals(1, result.exitCode(), result.err());
        assertEquals("", result.out());
        assertTrue(result.err().contains("no .safetensors"), result.err());
    }
}
