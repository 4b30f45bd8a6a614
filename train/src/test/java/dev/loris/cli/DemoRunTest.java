package dev.loris.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris train} with no arguments (issue 14), on a tiny model and a few lines of the bundled date
 * dataset in place of the bundled model: it scores the held-out chats before and after, trains, and writes
 * the adapter, the merged model and a GGUF with its Modelfile. Without the bundled model's weights it says how
 * they are made. (Whether the bundled model learns the skill is the demo's own measurement, demo/README.md.)
 */
@Tag("tokenizer")
class DemoRunTest {
    @TempDir
    Path dir;

    @Test
    void theDemoScoresTrainsAndWritesItsOutputs() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path root = repositoryRoot();
        List<String> train = Files.readAllLines(root.resolve("demo/data/dates-train.jsonl")).subList(0, 32);
        List<String> heldOut = Files.readAllLines(root.resolve("demo/data/dates-eval.jsonl")).subList(0, 4);
        Path trainFile = Files.write(dir.resolve("train.jsonl"), train);
        Path heldOutFile = Files.write(dir.resolve("eval.jsonl"), heldOut);
        StringWriter text = new StringWriter();
        DemoRun.run(new DemoRun.Layout(model, trainFile, heldOutFile, dir.resolve("out")), "jvm", false,
                new PrintWriter(text));
        String out = text.toString();
        assertTrue(out.contains("held-out exact match before training: ") && out.contains("/4 exact"), out);
        assertTrue(out.contains("held-out exact match after training: "), out);
        assertTrue(out.contains("4 steps"), "32 chats in batches of 16, two epochs: " + out);
        assertTrue(Files.exists(dir.resolve("out/adapter/adapter_model.safetensors")), out);
        assertTrue(Files.exists(dir.resolve("out/merged/config.json")), out);
        assertTrue(Files.size(dir.resolve("out/demo-q8_0.gguf")) > 0, out);
        assertTrue(Files.exists(dir.resolve("out/demo-q8_0.gguf.Modelfile")), out);
    }

    @Test
    void withoutTheBundledWeightsItSaysHowTheyAreMade() throws IOException {
        Path home = dir.resolve("home");
        Files.createDirectories(home.resolve("demo/model"));
        Files.copy(repositoryRoot().resolve("demo/model/config.json"), home.resolve("demo/model/config.json"));
        String old = System.getProperty("loris.home");
        System.setProperty("loris.home", home.toString());
        try {
            CliRun run = CliRun.of("train", "--device", "jvm", "--no-progress");
            assertEquals(1, run.exitCode(), run.err());
            assertTrue(run.err().startsWith("loris: the demo model " + home.resolve("demo/model")
                    + " has no weights yet"), run.err());
            assertTrue(run.err().contains("demo/scripts/pretrain.sh"), run.err());
            CliRun partial = CliRun.of("train", "--model", home.toString(), "--no-progress");
            assertEquals(2, partial.exitCode(), partial.err());
            assertTrue(partial.err().startsWith("loris: --model, --data and --out go together"), partial.err());
        } finally {
            if (old == null) {
                System.clearProperty("loris.home");
            } else {
                System.setProperty("loris.home", old);
            }
        }
    }

    /** The repository root (this module's parent). */
    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("demo")) ? here : here.getParent();
    }
}
