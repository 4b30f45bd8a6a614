package dev.loris.cli;

import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Precision;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.Evaluation;
import dev.loris.train.data.DataFormat;
import dev.loris.train.data.DataOptions;
import dev.loris.train.data.TrainingData;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris train} end to end on the JVM backend: a tiny model folder with a byte-level tokenizer and a small
 * JSONL dataset of chat messages; the run trains, evaluates the held-out split before and after, and writes
 * the adapter, metrics and loss curve; full fine-tuning lowers the eval loss and saves a model folder whose
 * eval loss, loaded again, is the one the run printed; a bad setting is a one-line error.
 */
@Tag("tokenizer")
class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainsAnAdapterOnChatDataAndWritesItsOutputs() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = chatData(dir.resolve("chat.jsonl"));
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
    void fullFineTuningLowersTheLossAndSavesAModelThatComputesIt() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = chatData(dir.resolve("chat.jsonl"));
        Path out = dir.resolve("out");
        CliRun result = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--device", "jvm", "--precision", "f32", "--method", "full", "--optim", "adamw", "--embedding-lr", "1e-4",
                "--max-steps", "6", "--batch-size", "2", "--max-seq-length", "64", "--grad-accum", "1",
                "--warmup-steps", "1", "--lr", "1e-3", "--eval-fraction", "0.2", "--no-progress");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("full fine-tuning"), result.out());
        Matcher eval = Pattern.compile("eval loss ([0-9.]+) -> ([0-9.]+)").matcher(result.out());
        assertTrue(eval.find(), result.out());
        double before = Double.parseDouble(eval.group(1));
        double after = Double.parseDouble(eval.group(2));
        assertTrue(after < before, result.out());
        assertTrue(Files.exists(out.resolve("model/config.json")));
        assertTrue(Files.exists(out.resolve("model/tokenizer.json")));
        DataOptions options = DataOptions.defaults().withFormat(DataFormat.parse("auto")).withResponsesOnly(true)
                .withMaxSeqLength(64).withBatchSize(2).withEvalFraction(0.2).withSeed(3407)
                .withCacheDir(dir.resolve("cache"));
        try (Tokenizer tokenizer = Tokenizer.load(model); Accelerator acc = Accelerator.open("jvm");
             Decoder saved = Decoder.open(out.resolve("model"), acc, Precision.F32);
             TrainingData dataset = TrainingData.prepare(data, tokenizer, options)) {
            assertEquals(after, Evaluation.loss(saved, dataset.evalBatches()), 5.1e-5,
                    "the saved model's eval loss is the trained model's");
        }
    }

    @Test
    void badSettingsAreOneLineErrors() throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        Path data = dir.resolve("text.jsonl");
        Files.writeString(data, "{\"text\": \"hello world\"}\n");
        CliRun targets = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--targets", "qkv", "--no-progress");
        assertEquals(2, targets.exitCode(), "bad usage");
        assertTrue(targets.err().startsWith("loris: LoRA target module 'qkv'"), targets.err());
        CliRun fused = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--targets", "qkv_proj", "--no-progress");
        assertEquals(1, fused.exitCode(), fused.err()); // Phi-3's name, known only once the model is read
        assertTrue(fused.err().startsWith("loris: LoRA target modules qkv_proj name no projection of this"),
                fused.err());
        CliRun rank = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--lora-r", "0", "--no-progress");
        assertEquals(2, rank.exitCode(), rank.err());
        assertTrue(rank.err().startsWith("loris: LoRA rank 0 is not a rank"), rank.err());
        assertTrue(!targets.err().contains("\tat "), "no stack trace: " + targets.err());
        CliRun quantised = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--method", "full", "--load-in-4bit", "--no-progress");
        assertEquals(2, quantised.exitCode(), "bad usage");
        assertTrue(quantised.err().startsWith("loris: --method full trains every weight"), quantised.err());
        CliRun optimizer = CliRun.of("train", "--model", model.toString(), "--data", data.toString(), "--out",
                dir.resolve("o").toString(), "--device", "jvm", "--optim", "adam", "--no-progress");
        assertEquals(2, optimizer.exitCode(), "bad usage");
        assertTrue(optimizer.err().startsWith("loris: --optim adam is not known"), optimizer.err());
    }

    private static Path chatData(Path data) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            rows.append("{\"messages\": [{\"role\": \"user\", \"content\": \"add ").append(i).append(" and 1\"},")
                    .append(" {\"role\": \"assistant\", \"content\": \"").append(i + 1).append("\"}]}\n");
        }
        Files.writeString(data, rows);
        return data;
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
                "lora-r: 2", "targets: [q_proj, v_proj]", "no-progress: true", "rslora: false",
                "gradient_checkpointing: offload", ""));
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
