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
        Random random = new Random(2);
        List<Batch> data = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            data.add(Batch.of(random.ints(10, 3, 263).toArray()));
        }
        Trainer.Settings settings = new Trainer.Settings(
                new LearningRateSchedule(LearningRateSchedule.Shape.COSINE, 3e-3, 1, 6), Optimizer.AdamW.defaults(),
                1.0, 5);
        TrainingRun.Summary summary;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "hf-models/mistral"), settings)) {
            summary = TrainingRun.run(trainer, data.iterator(),
                    new TrainingRun.Options(6, 2, 3, out, "hf-models/mistral", false), r -> { });
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
}
