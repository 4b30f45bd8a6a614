package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.MemoryStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checkpointing: standard and offload give the loss and every gradient of none (bit for bit on the
 * JVM; on devices within f32 rounding of the largest gradient, the recompute running the same kernels), and
 * their peak device bytes, counted exactly by the allocator, are far below none's for a model of several
 * layers: standard keeps the layer inputs instead of every layer's activations, offload keeps two of them.
 */
class CheckpointingTest {
    private static final int LAYERS = 6;

    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (String model : List.of("llama3", "qwen3")) { // qwen3: q/k norms in the recompute too
                cases.add(Arguments.of(model, spec));
            }
        }
        return cases.stream();
    }

    private static Path deepModel(String model) {
        Path folder = dir.resolve(model + "-" + LAYERS);
        if (!Files.exists(folder.resolve("model.safetensors"))) {
            try {
                Files.createDirectories(folder);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            DeepTinyModel.write(model, LAYERS, 11, folder);
        }
        return folder;
    }

    private static Batch batch(int sequences, int length, long seed) {
        Random random = new Random(seed);
        int[][] ids = new int[sequences][];
        for (int s = 0; s < sequences; s++) {
            ids[s] = random.ints(length - s, 3, 257).toArray();
        }
        return Batch.of(ids);
    }

    /** The loss, then every gradient in checkpoint order, from one training step in {@code mode}. */
    private static Map<String, float[]> gradients(Decoder decoder, Batch batch, GradientCheckpointing mode,
                                                  double[] loss) {
        try (HostGradients sink = HostGradients.all(decoder.accelerator());
             ForwardPass pass = decoder.forward(batch, 5, mode)) {
            loss[0] = pass.train(sink, 1f / batch.labelledTokens());
            return sink.read();
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void standardAndOffloadGiveTheGradientsOfNone(String model, String spec) {
        Batch batch = batch(3, 24, 1);
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(deepModel(model), acc, Precision.F32)) {
            double[] noneLoss = new double[1];
            Map<String, float[]> none = gradients(decoder, batch, GradientCheckpointing.NONE, noneLoss);
            assertTrue(none.size() > 9 * LAYERS && none.containsKey("model.layers." + (LAYERS - 1)
                    + ".self_attn.q_proj.weight"), "every parameter has a gradient: " + none.keySet());
            for (GradientCheckpointing mode : List.of(GradientCheckpointing.STANDARD, GradientCheckpointing.OFFLOAD)) {
                double[] loss = new double[1];
                Map<String, float[]> checkpointed = gradients(decoder, batch, mode, loss);
                assertEquals(none.keySet(), checkpointed.keySet());
                String context = model + " " + mode + " on " + spec;
                if (acc.backend() == Accelerator.Backend.JVM) {
                    assertEquals(noneLoss[0], loss[0], 0, context + " loss");
                    none.forEach((name, g) -> assertArrayEquals(g, checkpointed.get(name), context + " " + name));
                } else {
                    assertEquals(noneLoss[0], loss[0], 1e-6 * Math.abs(noneLoss[0]), context + " loss");
                    none.forEach((name, g) -> assertWithinRounding(g, checkpointed.get(name), context + " " + name));
                }
            }
        }
    }

    /** Within 1e-5 of the gradient's largest magnitude (f32 rounding of sums over a few hundred terms). */
    private static void assertWithinRounding(float[] expected, float[] actual, String context) {
        float largest = 0;
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            largest = Math.max(largest, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        if (worst > 0) {
            System.out.println(context + ": largest difference " + worst + " of " + largest);
        }
        assertTrue(worst <= 1e-5f * largest, context + ": differs by " + worst + ", largest " + largest);
    }

    @Test
    void peakDeviceBytesOfStandardAndOffloadAreFarBelowNone() {
        Batch batch = batch(4, 128, 2);
        int tokens = batch.tokens();
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(deepModel("llama3"), acc, Precision.F32);
             HostGradients sink = new HostGradients(acc, name -> name.contains("layers.0.") && name.endsWith("proj.weight"))) {
            try (ForwardPass pass = decoder.forward(batch, 5)) {
                pass.train(sink, 1f / batch.labelledTokens()); // the sink's arrays exist before the first count
            }
            Map<GradientCheckpointing, Long> peak = new java.util.EnumMap<>(GradientCheckpointing.class);
            for (GradientCheckpointing mode : GradientCheckpointing.values()) {
                long before = acc.memoryStats().currentBytes();
                acc.resetPeakStats();
                try (ForwardPass pass = decoder.forward(batch, 5, mode)) {
                    pass.train(sink, 1f / batch.labelledTokens());
                    if (mode == GradientCheckpointing.OFFLOAD) {
                        long inputBytes = 4L * tokens * decoder.config().hiddenSize();
                        assertEquals((LAYERS - 1) * inputBytes, acc.pinnedBytes(), "hidden[0..L-2] on the host");
                    }
                }
                MemoryStats stats = acc.memoryStats();
                assertEquals(before, stats.currentBytes(), mode + " left device memory allocated");
                assertEquals(0, acc.pinnedBytes(), mode + " left pinned memory allocated");
                peak.put(mode, stats.peakBytes() - before);
            }
            long none = peak.get(GradientCheckpointing.NONE);
            long standard = peak.get(GradientCheckpointing.STANDARD);
            long offload = peak.get(GradientCheckpointing.OFFLOAD);
            System.out.printf(Locale.ROOT, "peak step bytes, %d layers, %d tokens: none %d, standard %d (%.2f), "
                    + "offload %d (%.2f)%n", LAYERS, tokens, none, standard, (double) standard / none, offload,
                    (double) offload / none);
            assertTrue(standard < 0.5 * none, "standard " + standard + " vs none " + none);
            // offload holds two layer inputs instead of L + 1: exactly L - 1 fewer at the same peak moment
            long inputBytes = 4L * tokens * decoder.config().hiddenSize();
            assertEquals((LAYERS - 1) * inputBytes, standard - offload, "offload's saving over standard");
        }
    }

    @Test
    void settingNamesParseAndAnUnknownOneListsTheKnown() {
        assertEquals(GradientCheckpointing.OFFLOAD, GradientCheckpointing.parse("Offload"));
        assertEquals("standard", GradientCheckpointing.STANDARD.settingName());
        LorisException e = assertThrows(LorisException.class, () -> GradientCheckpointing.parse("smart"));
        assertTrue(e.getMessage().contains("smart") && e.hint().contains("none, standard, offload"),
                e.getMessage() + " / " + e.hint());
    }
}
