package dev.loris.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training run's outputs on the JVM backend: metrics.jsonl with one line per step, checkpoints every N steps,
 * the final adapter (loadable, and computing what the trained one computes), and loss.png as a real image.
 */
class TrainingRunTest {
    @TempDir
    Path out;

    @Test
    void runWritesMetricsCheckpointsTheAdapterAndTheLossCurve() throws IOException {
        List<Batch> data = batches(12, 2);
        Trainer.Settings settings = new Trainer.Settings(
                new LearningRateSchedule(LearningRateSchedule.Shape.COSINE, 3e-3, 1, 6), Optimizer.AdamW.defaults(),
                1.0, 5);
        TrainingRun.Summary summary;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "hf-models/mistral"), settings)) {
            summary = TrainingRun.run(trainer, data.iterator(),
                    new TrainingRun.Options(6, 2, 3, out, false), r -> { });
        }
        assertEquals(6, summary.steps());
        assertEquals(120, summary.tokens());
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(6, lines.size());
        JsonNode last = new ObjectMapper().readTree(lines.getLast());
        assertEquals(6, last.get("step").asInt());
        assertEquals(summary.lastLoss(), last.get("loss").asDouble(), 0.0);
        assertTrue(Files.exists(out.resolve("checkpoint-3/adapter_model.safetensors")));
        assertTrue(Files.exists(out.resolve("checkpoint-6/adapter_config.json")));
        assertTrue(Files.exists(out.resolve("adapter/adapter_model.safetensors")));
        BufferedImage plot = ImageIO.read(out.resolve("loss.png").toFile());
        assertNotNull(plot, "loss.png is not an image");
        assertEquals(900, plot.getWidth());
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
             LoraAdapter loaded = LoraAdapter.load(decoder, out.resolve("adapter"))) {
            assertEquals(4, loaded.config().rank());
        }
    }

    /**
     * A run stopped after its step-4 checkpoint and resumed from it (a fresh decoder, adapter and trainer, the
     * checkpoint restored into them) ends with the adapter bit for bit equal to an uninterrupted run's, dropout included;
     * metrics.jsonl holds each step once.
     */
    @Test
    void resumingFromACheckpointContinuesBitForBit() throws IOException {
        List<Batch> data = batches(16, 3);
        LoraConfig config = LoraConfig.defaults().withRank(4, 8).withDropout(0.1);
        Map<String, float[]> whole = train(out.resolve("whole"), data, config, 8, null);
        Path resumed = out.resolve("resumed");
        train(resumed, data, config, 4, null); // the "killed" run: its last checkpoint is step 4
        Files.writeString(resumed.resolve("metrics.jsonl"), "{\"step\": 5, \"loss\": 9.9}\n{\"step\": 6, \"lo",
                java.nio.file.StandardOpenOption.APPEND); // lines the killed run logged past it, one cut short
        Map<String, float[]> continued = train(resumed, data, config, 8, resumed.resolve("checkpoint-4"));
        assertEquals(whole.keySet(), continued.keySet());
        for (String name : whole.keySet()) {
            assertTrue(java.util.Arrays.equals(whole.get(name), continued.get(name)), name + " differs after resume");
        }
        List<String> lines = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        assertEquals(8, lines.size(), String.join("\n", lines));
        for (int i = 0; i < 8; i++) {
            assertEquals(i + 1, new ObjectMapper().readTree(lines.get(i)).get("step").asInt());
        }
    }

    /**
     * With an eval split that the training data contradicts, the eval loss rises after its first evaluations:
     * early stopping ends the run after `patience` evaluations without improvement and adapter/ is the best
     * evaluation's adapter, not the last.
     */
    @Test
    void earlyStoppingKeepsTheBestAdapter() throws IOException {
        List<Batch> train = batches(40, 9);
        List<Batch> eval = batches(1, 10);
        Trainer.Settings settings = new Trainer.Settings(
                new LearningRateSchedule(LearningRateSchedule.Shape.CONSTANT, 2e-2, 0, 40), Optimizer.AdamW.defaults(),
                1.0, 5);
        TrainingRun.Summary summary;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "hf-models/mistral"), settings)) {
            summary = TrainingRun.run(trainer, TrainingRun.Data.of(train, eval),
                    new TrainingRun.Options(40, 1, 0, out, false, 2,
                            new TrainingRun.EarlyStopping(2, 0), Map.of()), null, r -> { });
            assertTrue(summary.stoppedEarly(), summary.toString());
            assertTrue(summary.steps() < 40 && summary.steps() == summary.bestStep() + 4, summary.toString());
            try (Decoder fresh = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
                 LoraAdapter best = LoraAdapter.load(fresh, out.resolve("adapter"))) {
                assertEquals(summary.bestEvalLoss(), Evaluation.loss(fresh, eval), 1e-6);
            }
        }
        long evals = Files.readAllLines(out.resolve("metrics.jsonl")).stream().filter(l -> l.contains("eval_loss")).count();
        assertEquals(summary.steps() / 2, evals);
    }

    private static List<Batch> batches(int count, long seed) {
        Random random = new Random(seed);
        List<Batch> data = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            data.add(Batch.of(random.ints(10, 3, 263).toArray()));
        }
        return data;
    }

    /** Trains to {@code steps} (2 batches a step, a checkpoint every 2), from {@code checkpoint} when given. */
    private static Map<String, float[]> train(Path folder, List<Batch> data, LoraConfig config, int steps,
                                              Path checkpoint) {
        Trainer.Settings settings = new Trainer.Settings(
                new LearningRateSchedule(LearningRateSchedule.Shape.LINEAR, 5e-3, 2, 8), Optimizer.AdamW.defaults(),
                1.0, 11);
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config);
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "hf-models/mistral"), settings)) {
            TrainingCheckpoint.State state = null;
            List<Batch> rest = data;
            if (checkpoint != null) {
                state = TrainingCheckpoint.read(checkpoint, Map.of("run", "test"));
                TrainingCheckpoint.restore(checkpoint, trainer, state);
                rest = data.subList(state.next().index(), data.size());
            }
            TrainingRun.Data source = TrainingRun.Data.of(rest, List.of());
            int offset = data.size() - rest.size();
            TrainingRun.run(trainer, new TrainingRun.Data(source.train(),
                            () -> new dev.loris.train.data.DataPosition(0, offset + source.position().get().index()),
                            List.of()),
                    new TrainingRun.Options(steps, 2, 2, folder, false, 0,
                            TrainingRun.EarlyStopping.OFF, Map.of("run", "test")), state, r -> { });
            return adapter.read();
        }
    }
}
