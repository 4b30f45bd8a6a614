package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.HostGradients;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjections;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full fine-tuning on the JVM backend, on the model module's tiny reference models:
 * <ul>
 *   <li>every weight gets a gradient slot in the one flat buffer, and those gradients are bit for bit the ones a
 *       backward writes into separate arrays (qwen2: biases and a tied head; llama3: an untied head), so the
 *       offset-taking kernels put each gradient where it belongs;</li>
 *   <li>training makes the loss fall; the saved model (bf16, as trained) loads into a new decoder that computes
 *       exactly the trained model's loss;</li>
 *   <li>continued pretraining's embedding multiplier: at 0 the embedding and LM head stay put while the rest
 *       trains;</li>
 *   <li>resume: 3 steps, save model and optimizer state, a new decoder from the saved model continues 3 steps
 *       and ends bit-identical to 6 uninterrupted steps (AdamW, 8-bit AdamW, SGD);</li>
 *   <li>8-bit AdamW's loss curve stays within 3% of AdamW's at every one of 30 steps;</li>
 *   <li>a quantised model is refused with one clear error.</li>
 * </ul>
 */
class FullFineTuningTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "llama3"})
    void everyWeightHasASlotAndGetsTheGradientSeparateArraysGet(String model) {
        HfFixture fixture = HfFixture.load(model);
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, fixture.folder(), 1);
             HostGradients separate = HostGradients.all(acc)) {
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                pass.loss();
                pass.backward(separate);
            }
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                pass.loss();
                pass.backward(full);
            }
            Map<String, float[]> expected = separate.read();
            Map<String, float[]> ours = full.readGradients();
            assertEquals(expected.keySet(), ours.keySet(), model + ": the weights a backward asks for");
            try (SafetensorsCheckpoint base = SafetensorsCheckpoint.open(fixture.folder())) {
                assertEquals(base.names().stream().sorted().toList(), ours.keySet().stream().sorted().toList(),
                        model + ": every tensor of the checkpoint trains");
            }
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name), ours.get(name), model + " " + name);
                assertTrue(norm(ours.get(name)) > 0, model + " " + name + " got no gradient");
            }
        }
    }

    @Test
    void lossFallsAndTheSavedModelComputesTheTrainedLoss() throws Exception {
        List<Batch> window = window(new Random(5));
        Batch probe = Batch.of(new Random(6).ints(16, 3, 301).toArray());
        Path saved = dir.resolve("model");
        double trainedLoss;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.BF16);
             FullFineTuning full = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 1);
             Trainer trainer = new Trainer(decoder, full, settings(10, Optimizer.AdamW.defaults(), 2e-3))) {
            double first = trainer.step(window).loss();
            double last = first;
            for (int s = 1; s < 10; s++) {
                last = trainer.step(window).loss();
            }
            assertTrue(last < 0.7 * first, "loss went from " + first + " to " + last);
            trainedLoss = loss(decoder, probe);
            full.save(saved);
        }
        assertTrue(Files.exists(saved.resolve("config.json")));
        assertTrue(Files.exists(saved.resolve("generation_config.json")));
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(saved)) {
            assertEquals(Dtype.BF16, checkpoint.info("model.layers.0.mlp.up_proj.weight").dtype());
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder reloaded = Decoder.open(saved, acc, Precision.BF16)) {
            assertEquals(trainedLoss, loss(reloaded, probe), 0.0, "the saved model computes the trained model's loss");
        }
    }

    @Test
    void anEmbeddingMultiplierOfZeroFreezesEmbeddingAndHead() {
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 0);
             Trainer trainer = new Trainer(decoder, full, settings(3, Optimizer.AdamW.defaults(), 1e-3))) {
            Map<String, float[]> before = full.read();
            List<Batch> window = window(new Random(7));
            for (int s = 0; s < 3; s++) {
                trainer.step(window);
            }
            Map<String, float[]> after = full.read();
            for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
                assertArrayEquals(before.get(name), after.get(name), name + " trained at rate 0");
            }
            assertFalse(Arrays.equals(before.get("model.layers.0.self_attn.q_proj.weight"),
                    after.get("model.layers.0.self_attn.q_proj.weight")), "the rest trains");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "adamw8bit", "sgd"})
    void aResumedRunEndsBitIdenticalToAnUninterruptedOne(String optimizer) {
        Optimizer.Kind kind = Optimizer.named(optimizer, 0.01);
        List<Batch> window = window(new Random(9));
        Map<String, float[]> uninterrupted;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 0.5);
             Trainer trainer = new Trainer(decoder, full, settings(6, kind, 1e-3))) {
            for (int s = 0; s < 6; s++) {
                trainer.step(window);
            }
            uninterrupted = full.read();
        }
        Path checkpoint = dir.resolve("checkpoint-3");
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 0.5);
             Trainer trainer = new Trainer(decoder, full, settings(6, kind, 1e-3))) {
            for (int s = 0; s < 3; s++) {
                trainer.step(window);
            }
            full.save(checkpoint);
            trainer.saveState(checkpoint.resolve("optimizer.safetensors"));
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(checkpoint, acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, checkpoint, 0.5);
             Trainer trainer = new Trainer(decoder, full, settings(6, kind, 1e-3))) {
            trainer.loadState(checkpoint.resolve("optimizer.safetensors"));
            assertEquals(3, trainer.stepsDone());
            while (trainer.stepsDone() < 6) {
                trainer.step(window);
            }
            Map<String, float[]> resumed = full.read();
            for (String name : uninterrupted.keySet()) {
                assertArrayEquals(uninterrupted.get(name), resumed.get(name), optimizer + " " + name);
            }
        }
    }

    @Test
    void eightBitAdamWTracksAdamW() {
        double[] adamW = curve(Optimizer.AdamW.defaults());
        double[] eightBit = curve(Optimizer.named("adamw8bit", 0.01));
        for (int s = 0; s < adamW.length; s++) {
            assertEquals(adamW[s], eightBit[s], 0.03 * adamW[s], "step " + (s + 1));
        }
        assertTrue(eightBit[eightBit.length - 1] < 0.5 * eightBit[0], "8-bit AdamW's loss falls: "
                + Arrays.toString(eightBit));
    }

    @Test
    void aQuantisedModelIsRefused() {
        ProjectionLoader nf4 = QuantizedProjections.loader(QuantScheme.LOAD_IN_4BIT);
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.BF16, nf4)) {
            LorisException e = assertThrows(LorisException.class,
                    () -> FullFineTuning.of(decoder, HfFixture.folder("llama3"), 1));
            assertTrue(e.getMessage().contains("not a dense weight"), e.getMessage());
        }
    }

    private static double[] curve(Optimizer.Kind kind) {
        List<Batch> window = window(new Random(11));
        double[] losses = new double[30];
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             FullFineTuning full = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 1);
             Trainer trainer = new Trainer(decoder, full, settings(losses.length, kind, 1e-3))) {
            for (int s = 0; s < losses.length; s++) {
                losses[s] = trainer.step(window).loss();
            }
        }
        return losses;
    }

    private static List<Batch> window(Random random) {
        int[][] sequences = new int[3][];
        for (int s = 0; s < 3; s++) {
            sequences[s] = random.ints(12, 3, 301).toArray();
        }
        return List.of(Batch.of(sequences[0], sequences[1]), Batch.of(sequences[2]));
    }

    private static Trainer.Settings settings(int steps, Optimizer.Kind kind, double lr) {
        return new Trainer.Settings(new LearningRateSchedule(LearningRateSchedule.Shape.LINEAR, lr, 2, steps), kind,
                1.0, 42);
    }

    private static double loss(Decoder decoder, Batch batch) {
        try (ForwardPass pass = decoder.evaluate(batch)) {
            return pass.loss();
        }
    }

    private static double norm(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
