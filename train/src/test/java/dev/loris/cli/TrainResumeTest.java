package dev.loris.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris train --resume} after a SIGKILL: a run in a separate JVM is killed (destroyForcibly: SIGKILL on
 * Linux and macOS) once its step-6 checkpoint exists; {@code --resume} continues it, and the final adapter is
 * byte for byte the adapter of the same run never interrupted (JVM backend, LoRA dropout on, so the dropout
 * masks must continue exactly too). A resume with a changed setting is refused, naming it.
 */
@Tag("tokenizer")
class TrainResumeTest {
    private static final int STEPS = 24;

    @TempDir
    Path dir;

    @Test
    void aRunKilledMidwayResumesToTheSameAdapterBitForBit() throws IOException, InterruptedException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = dir.resolve("text.jsonl");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            rows.append("{\"text\": \"step ").append(i).append(" follows ").append(i + 1).append(" and so on\"}\n");
        }
        Files.writeString(data, rows);

        Path whole = dir.resolve("whole");
        CliRun uninterrupted = CliRun.of(args(model, data, whole));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());

        Path killed = dir.resolve("killed");
        Process process = startLoris(args(model, data, killed), dir.resolve("killed.log"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(killed.resolve("checkpoint-6/trainer_state.json")) && process.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        process.destroyForcibly().waitFor();
        assertFalse(Files.exists(killed.resolve("adapter")), "the run finished before it was killed: "
                + Files.readString(dir.resolve("killed.log")));
        assertTrue(Files.exists(killed.resolve("checkpoint-6")), Files.readString(dir.resolve("killed.log")));

        CliRun resumed = CliRun.of(withResume(args(model, data, killed)));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("resuming from " + killed.resolve("checkpoint-")), resumed.out());
        assertTrue(resumed.out().contains(STEPS + " steps"), resumed.out());
        assertArrayEquals(Files.readAllBytes(whole.resolve("adapter/adapter_model.safetensors")),
                Files.readAllBytes(killed.resolve("adapter/adapter_model.safetensors")),
                "the resumed run's adapter differs from the uninterrupted run's");
        assertEquals(STEPS, Files.readAllLines(killed.resolve("metrics.jsonl")).size());

        String[] changed = withResume(args(model, data, killed));
        changed[java.util.Arrays.asList(changed).indexOf("--lr") + 1] = "1e-3";
        CliRun refused = CliRun.of(changed);
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().startsWith("loris: --resume: lr was 0.005 in "), refused.err());
    }

    private static String[] args(Path model, Path data, Path out) {
        return new String[] {"train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--device", "jvm", "--precision", "f32", "--max-steps", Integer.toString(STEPS), "--batch-size", "2",
                "--max-seq-length", "32", "--grad-accum", "2", "--lr", "5e-3", "--lora-r", "4", "--lora-dropout", "0.1",
                "--save-steps", "3", "--eval-fraction", "0.1", "--no-progress"};
    }

    private static String[] withResume(String[] args) {
        List<String> list = new ArrayList<>(List.of(args));
        list.add("--resume");
        return list.toArray(String[]::new);
    }

    /** `loris` in a fresh JVM with this test JVM's class path and options. */
    private static Process startLoris(String[] args, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LorisCli.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
