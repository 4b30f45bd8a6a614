package dev.loris.samples;

import dev.loris.cli.CliRun;
import dev.loris.cli.TinyByteLevelModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every {@code ./loris} command of every sample's README, in order, in-process, on the tiny qwen3 model with a
 * byte-level tokenizer instead of {@code demo/model}, with outputs in a temporary folder and training cut to a
 * few steps of short sequences on the JVM backend; then checks each command's outputs exist.
 */
@Tag("tokenizer")
class SamplesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern BASH_BLOCK = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern WORD = Pattern.compile("\"([^\"]*)\"|(\\S+)");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"alpaca-sft", "chat-sft", "continued-pretraining", "qlora", "export-gguf-ollama"})
    void theReadmesCommandsRun(String sample) throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        List<List<String>> commands = commands(ROOT.resolve("samples").resolve(sample).resolve("README.md"));
        assertFalse(commands.isEmpty(), sample + "'s README has no ./loris command");
        for (List<String> command : commands) {
            List<String> args = onTinyModel(command, model);
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, run.exitCode(), String.join(" ", args) + "\n" + run.out() + run.err());
            String out = value(args, "--out");
            if (out != null) {
                assertTrue(Files.exists(Path.of(out)), out + " was not written by " + String.join(" ", args));
            }
            if (args.getFirst().equals("train")) {
                assertTrue(Files.exists(Path.of(out, "adapter", "adapter_model.safetensors")));
            }
        }
    }

    @Test
    void theJavaSampleTrainsAndScores() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path train = ROOT.resolve("samples/chat-sft/data.jsonl");
        FineTuneFromJava.Outcome outcome = FineTuneFromJava.fineTune(model, train, train, dir.resolve("out"), 3, "jvm");
        assertEquals(16, outcome.before().total());
        assertEquals(3, outcome.summary().steps());
        assertTrue(Files.exists(outcome.summary().saved().resolve("adapter_model.safetensors")));
        assertTrue(Files.exists(dir.resolve("out/merged/model.safetensors")), "saveMerged wrote no model");
        assertTrue(Files.size(dir.resolve("out/model.gguf")) > 0, "saveGguf wrote no GGUF");
        assertTrue(Files.exists(dir.resolve("out/model.gguf.Modelfile")), "no Modelfile beside the GGUF");
        assertTrue(Files.readString(ROOT.resolve("samples/java-api/README.md")).contains("FineTuneFromJava"));
    }

    /** The {@code ./loris} lines of the README's bash blocks (backslash continuations joined), as argument lists. */
    static List<List<String>> commands(Path readme) throws IOException {
        List<List<String>> commands = new ArrayList<>();
        Matcher block = BASH_BLOCK.matcher(Files.readString(readme));
        while (block.find()) {
            for (String line : block.group(1).replace("\\\n", " ").split("\n")) {
                if (line.startsWith("./loris ")) {
                    List<String> words = new ArrayList<>();
                    Matcher word = WORD.matcher(line.substring("./loris ".length()));
                    while (word.find()) {
                        words.add(word.group(1) != null ? word.group(1) : word.group(2));
                    }
                    commands.add(words);
                }
            }
        }
        return commands;
    }

    /** The command on the tiny model: outputs under the temporary folder, repository paths absolute, fast settings. */
    private List<String> onTinyModel(List<String> command, Path model) {
        List<String> args = new ArrayList<>();
        for (String word : command) {
            if (word.equals("demo/model")) {
                args.add(model.toString());
            } else if (word.startsWith("outputs/")) {
                args.add(dir.resolve(word).toString());
            } else if (word.startsWith("samples/") || word.startsWith("demo/")) {
                args.add(ROOT.resolve(word).toString());
            } else {
                args.add(word);
            }
        }
        String subcommand = args.getFirst();
        // Quantised layers compute in bf16; the rest runs in f32, the JVM backend's fast precision.
        String precision = args.contains("--load-in-4bit") ? "bf16" : "f32";
        if (subcommand.equals("train")) {
            set(args, "--device", "jvm");
            set(args, "--precision", precision);
            set(args, "--max-steps", "2");
            set(args, "--max-seq-length", "256"); // the tiny model's tokens are bytes: Alpaca's preamble is 200
            set(args, "--grad-accum", "1");
            set(args, "--lora-r", "4");
            args.add("--no-progress");
        } else if (subcommand.equals("generate")) {
            set(args, "--device", "jvm");
            set(args, "--precision", precision);
            set(args, "--max-new-tokens", "4");
        }
        return args;
    }

    private static void set(List<String> args, String option, String value) {
        int at = args.indexOf(option);
        if (at >= 0) {
            args.set(at + 1, value);
        } else {
            args.add(option);
            args.add(value);
        }
    }

    private static String value(List<String> args, String option) {
        int at = args.indexOf(option);
        return at >= 0 ? args.get(at + 1) : null;
    }
}
