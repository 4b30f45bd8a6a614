package dev.loris.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris train} end to end on the JVM backend: a tiny model folder with a byte-level tokenizer and a small
 * JSONL dataset of chat messages; the run trains, evaluates the held-out split before and after, and writes
 * the adapter, metrics and loss curve; a bad setting is a one-line error.
 */
@Tag("tokenizer")
class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsAnAdapterOnChatDataAndWritesItsOutputs() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = dir.resolve("chat.jsonl");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            rows.append("{\"messages\": [{\"role\": \"user\", \"content\": \"add ").append(i).append(" and 1\"},")
                    .append(" {\"role\": \"assistant\", \"content\": \"").append(i + 1).append("\"}]}\n");
        }
        Files.writeString(data, rows);
        Path out = dir.resolve("out");
        CliRun result = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--device", "jvm", "--precision", "f32", "--max-steps", "6", "--batch-size", "2", "--max-seq-length", "64",
                "--grad-accum", "1", "--warmup-steps", "1",
                "--lr", "5e-3", "--lora-r", "4", "--eval-fraction", "0.2", "--no-progress");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("6 steps"), result.out());
        assertTrue(result.out().matches("(?s).*eval loss ([0-9.]+) -> ([0-9.]+).*"), result.out());
        assertTrue(result.out().contains("eval loss"), result.out());
        assertTrue(Files.exists(out.resolve("adapter/adapter_model.safetensors")));
        assertTrue(Files.exists(out.resolve("loss.png")));
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(6, metrics.size());
    }

    @Test
    void badSettingsAreOneLineErrors() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = dir.resolve("text.jsonl");
        Files.writeString(data, "{\"text\": \"hello world\"}\n");
        CliRun targets = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--targets", "qkv_proj", "--no-progress");
        assertEquals(1, targets.exitCode());
        assertTrue(targets.err().startsWith("loris: LoRA target module 'qkv_proj'"), targets.err());
        assertTrue(!targets.err().contains("\tat "), "no stack trace: " + targets.err());
    }

    /**
     * --config: the YAML file's settings train as the flags would (lists joined, flags as booleans), a flag on
     * the command line overrides the file, and a key that is no setting is a usage error (exit 2) naming it.
     */
    @Test
    void aYamlConfigGivesTheSettingsAndFlagsOverrideIt() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = dir.resolve("text.jsonl");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            rows.append("{\"text\": \"counting ").append(i).append(' ').append(i + 1).append("\"}\n");
        }
        Files.writeString(data, rows);
        Path out = dir.resolve("out");
        Path yaml = dir.resolve("train.yaml");
        Files.writeString(yaml, String.join("\n", "model: " + model, "data: " + data, "out: " + out,
                "device: jvm", "precision: f32", "max_steps: 9", "max-seq-length: 32", "grad-accum: 1",
                "lora-r: 2", "targets: [q_proj, v_proj]", "no-progress: true", "rslora: false", ""));
        CliRun result = CliRun.of("train", "--config", yaml.toString(), "--max-steps", "3");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("LoRA r 2 on q_proj,v_proj"), result.out());
        assertTrue(result.out().contains("3 steps"), "the flag overrides the file's 9: " + result.out());

        Files.writeString(yaml, "model: " + model + "\nlora-rank: 8\n");
        CliRun unknown = CliRun.of("train", "--config", yaml.toString());
        assertEquals(2, unknown.exitCode(), unknown.err());
        assertTrue(unknown.err().contains("'lora-rank' is not a setting of loris train; known: "), unknown.err());
        assertTrue(unknown.err().contains("lora-r,"), unknown.err());

        Files.writeString(yaml, "model: [unclosed\n");
        CliRun broken = CliRun.of("train", "--config", yaml.toString());
        assertEquals(2, broken.exitCode(), broken.err());
        assertTrue(broken.err().startsWith("loris: the --config file " + yaml + " is not valid YAML"), broken.err());
    }
}
