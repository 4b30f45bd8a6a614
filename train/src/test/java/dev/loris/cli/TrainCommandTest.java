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
}
