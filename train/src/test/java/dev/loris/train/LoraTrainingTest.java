package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Compute;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.decoder.GradientSink;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.Projection;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link Trainer} over a LoRA adapter ({@link LoraParameters}) end to end on the JVM backend: on a tiny reference model, 30 AdamW steps on a few fixed
 * sequences take the loss well below where it started (the adapter learns them); the same seed gives the same
 * losses bit for bit; a window whose labels are all masked stops with one clear error.
 */
class LoraTrainingTest {
    @Test
    void lossFallsAndRunsRepeatExactly() {
        double[] first = run();
        double[] second = run();
        assertTrue(first[first.length - 1] < 0.5 * first[0], "loss went from " + first[0] + " to "
                + first[first.length - 1]);
        for (int i = 0; i < first.length; i++) {
            assertEquals(first[i], second[i], 0.0, "step " + (i + 1) + " differs between two identical runs");
        }
    }

    @Test
    void aWindowWithEveryLabelMaskedIsAClearError() {
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "llama3"), settings(10))) {
            int[] ids = {5, 6, 7, 8};
            int[] masked = {-100, -100, -100, -100};
            Batch batch = Batch.of(new int[][] {ids}, new int[][] {masked});
            LorisException e = assertThrows(LorisException.class, () -> trainer.step(List.of(batch)));
            assertTrue(e.getMessage().contains("masked"), e.getMessage());
        }
    }

    /**
     * Running out of device memory in a step is one error naming the step, the device's own report and the
     * knobs (batch and sequence length, gradient checkpointing, 4-bit): here a projection's scratch of 4 TiB,
     * which the JVM backend's allocator really fails to get.
     */
    @Test
    void outOfDeviceMemorySaysWhichKnobToTurn() {
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32)) {
            decoder.replaceProjections(p -> !p.name().endsWith("layers.0.self_attn.q_proj") ? p : new Projection() {
                public String name() {
                    return p.name();
                }

                public int inFeatures() {
                    return p.inFeatures();
                }

                public int outFeatures() {
                    return p.outFeatures();
                }

                public void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved) {
                    try (DeviceArray scratch = acc.allocate(FloatArray.class, 1L << 40)) {
                        p.forward(c, x, tokens, y, saved);
                    }
                }

                public void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx,
                                     boolean accumulateDx, Saved saved, GradientSink sink) {
                    p.backward(c, dy, x, tokens, dx, accumulateDx, saved, sink);
                }

                public long bytes() {
                    return p.bytes();
                }

                public void close() {
                    p.close();
                }
            });
            try (LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8));
                 Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "llama3"), settings(10))) {
                LorisException e = assertThrows(LorisException.class,
                        () -> trainer.step(List.of(Batch.of(new int[] {5, 6, 7, 8}))));
                assertTrue(e.getMessage().startsWith("out of device memory in step 1 on "), e.getMessage());
                assertTrue(e.getMessage().contains("cannot allocate"), e.getMessage());
                assertTrue(e.hint().contains("--batch-size") && e.hint().contains("--gradient-checkpointing standard or"
                        + " offload") && e.hint().contains("--load-in-4bit"), e.hint());
            }
        }
    }

    /**
     * Offload (the memory mode) keeps a frozen, untied input embedding in host memory wherever the device has its
     * own (every accelerator here but the JVM), and LoRA trains the same there as with it on the device: the
     * first steps' losses agree bit for bit. Full fine-tuning trains the embedding, so it stays on the device.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("dev.loris.train.LossCurveAgainstPeftTest#accelerators")
    void offloadKeepsAFrozenUntiedEmbeddingOnTheHost(String spec) {
        Random random = new Random(3);
        Batch batch = Batch.of(random.ints(12, 3, 301).toArray(), random.ints(9, 3, 301).toArray());
        double[][] losses = new double[2][3];
        for (GradientCheckpointing mode : new GradientCheckpointing[] {GradientCheckpointing.STANDARD,
                GradientCheckpointing.OFFLOAD}) {
            try (Accelerator acc = Accelerator.open(spec);
                 Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
                 LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(4, 8).withSeed(2));
                 Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "llama3"), new Trainer.Settings(
                         new LearningRateSchedule(LearningRateSchedule.Shape.CONSTANT, 5e-3, 0, 3),
                         Optimizer.AdamW.defaults(), 1.0, 42, mode))) {
                boolean offload = mode == GradientCheckpointing.OFFLOAD;
                assertEquals(offload && !acc.sharesHostMemory(), decoder.weights().embeddingOnHost(), mode.settingName());
                for (int step = 0; step < 3; step++) {
                    losses[offload ? 1 : 0][step] = trainer.step(List.of(batch)).loss();
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(losses[0], losses[1], "offload against standard");
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             FullFineTuning weights = FullFineTuning.of(decoder, HfFixture.folder("llama3"), 1);
             Trainer trainer = new Trainer(decoder, weights, new Trainer.Settings(
                     new LearningRateSchedule(LearningRateSchedule.Shape.CONSTANT, 1e-3, 0, 1),
                     Optimizer.AdamW.defaults(), 1.0, 42, GradientCheckpointing.OFFLOAD))) {
            assertTrue(!decoder.weights().embeddingOnHost(), "a trained embedding stays on the device");
            assertTrue(Double.isFinite(trainer.step(List.of(batch)).loss()));
        }
    }

    private static double[] run() {
        Random random = new Random(8);
        int[][] sequences = new int[3][];
        for (int s = 0; s < 3; s++) {
            sequences[s] = random.ints(12, 3, 301).toArray();
        }
        int steps = 30;
        double[] losses = new double[steps];
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraConfig.defaults().withRank(8, 16)
                     .withDropout(0.05).withSeed(1));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, "llama3"), settings(steps))) {
            for (int step = 0; step < steps; step++) {
                List<Batch> window = List.of(Batch.of(sequences[0], sequences[1]), Batch.of(sequences[2]));
                losses[step] = trainer.step(window).loss();
            }
        }
        return losses;
    }

    private static Trainer.Settings settings(int steps) {
        return new Trainer.Settings(new LearningRateSchedule(LearningRateSchedule.Shape.LINEAR, 5e-3, 3, steps),
                Optimizer.AdamW.defaults(), 1.0, 42);
    }
}
