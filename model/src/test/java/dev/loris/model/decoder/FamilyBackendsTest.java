package dev.loris.model.decoder;

import dev.loris.model.generate.SamplingSettings;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny random Gemma 2, Gemma 3 ({@link TinyGemma}) and Phi-3 ({@link TinyPhi3}) on every available backend: (1) logits, loss and every
 * gradient in f32 agree with the JVM backend's within 2e-5 of each tensor's largest magnitude (f32 rounding in a
 * different order, a few ulps of exp / tanh); (2) greedy generation through the KV cache, FlashDecoding's
 * fall-back decode kernel with the sliding window and soft-cap, and the local RoPE table, picks at each step the
 * argmax of a full forward over the same tokens, past the window of 4 (Phi-3: 6, and across LongRoPE's switch from
 * short to long factors at 8 tokens, where the generator prefills again); (3) the bf16 path (bf16 weights, HF's
 * rounding chains) gives logits within 3e-2 of the f32 ones' largest magnitude before the final soft-cap (the cap
 * squashes the logits, not the bf16 error of the head's output) and the loss within 3e-2.
 */
class FamilyBackendsTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (String model : List.of("gemma2", "gemma3_text", "phi3")) {
                cases.add(Arguments.of(model, spec));
            }
        }
        return cases.stream();
    }

    private static Path model(String modelType) {
        Path folder = dir.resolve(modelType);
        return folder.resolve("model.safetensors").toFile().exists() ? folder : TinyPhi3.writeFamily(modelType, 5, folder);
    }

    private record Step(float[] logits, double loss, Map<String, float[]> gradients) {
        static Step run(String modelType, String spec) {
            try (Accelerator acc = Accelerator.open(spec);
                 Decoder decoder = Decoder.open(model(modelType), acc, Precision.F32);
                 HostGradients sink = HostGradients.all(acc);
                 ForwardPass pass = decoder.forward(FamilyGradientCheckTest.batch(new Random(9)))) {
                float[] logits = pass.logits();
                double loss = pass.loss();
                pass.backward(sink);
                return new Step(logits, loss, sink.read());
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void logitsLossAndGradientsAgreeWithTheJvm(String modelType, String spec) {
        Step jvm = Step.run(modelType, "jvm");
        Step other = Step.run(modelType, spec);
        String context = modelType + " on " + spec;
        assertClose(jvm.logits, other.logits, context + " logits");
        assertEquals(jvm.loss, other.loss, 2e-5 * Math.abs(jvm.loss), context + " loss");
        assertEquals(jvm.gradients.keySet(), other.gradients.keySet());
        assertTrue(jvm.gradients.containsKey(modelType.equals("phi3") ? "model.layers.1.mlp.gate_up_proj.weight"
                : "model.layers.2.post_feedforward_layernorm.weight"), context);
        jvm.gradients.forEach((name, g) -> assertClose(g, other.gradients.get(name), context + " " + name));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void bf16IsCloseToF32(String modelType, String spec) {
        Batch batch = FamilyGradientCheckTest.batch(new Random(9));
        float[][] logits = new float[2][];
        double[] loss = new double[2];
        try (Accelerator acc = Accelerator.open(spec)) {
            for (Precision precision : List.of(Precision.F32, Precision.BF16)) {
                int i = precision == Precision.F32 ? 0 : 1;
                try (Decoder decoder = Decoder.open(model(modelType), acc, precision);
                     ForwardPass pass = decoder.forward(batch)) {
                    logits[i] = pass.logits();
                    loss[i] = pass.loss();
                    try (HostGradients sink = HostGradients.all(acc)) {
                        pass.backward(sink);
                        sink.read().forEach((name, g) -> {
                            for (float value : g) {
                                assertTrue(Float.isFinite(value), modelType + " " + precision + " " + name);
                            }
                        });
                    }
                }
            }
        }
        double cap = modelType.equals("gemma2") ? TinyGemma.FINAL_SOFT_CAP : 0;
        double largest = 0;
        for (float v : logits[0]) {
            double raw = cap == 0 ? v : cap * atanh(Math.min(Math.abs(v) / cap, 1 - 1e-6));
            largest = Math.max(largest, Math.abs(raw));
        }
        assertArrayEquals(logits[0], logits[1], (float) (3e-2 * largest), modelType + " bf16 logits on " + spec);
        assertEquals(loss[0], loss[1], 3e-2 * loss[0], modelType + " bf16 loss on " + spec);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void greedyGenerationPicksTheArgmaxOfTheFullForward(String modelType, String spec) {
        int[] prompt = new Random(4).ints(3, 3, TinyGemma.VOCAB).toArray();
        int newTokens = 9;
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(model(modelType), acc, Precision.F32)) {
            int[] generated = new Generator(decoder).generate(List.of(prompt), newTokens, SamplingSettings.GREEDY,
                    Set.of(), null).getFirst();
            assertEquals(newTokens, generated.length);
            int[] sequence = Arrays.copyOf(prompt, prompt.length + newTokens);
            System.arraycopy(generated, 0, sequence, prompt.length, newTokens);
            for (int i = 0; i < newTokens; i++) {
                int length = prompt.length + i;
                float[] logits;
                try (ForwardPass pass = decoder.evaluate(Batch.of(Arrays.copyOf(sequence, length)))) {
                    logits = pass.logits();
                }
                int best = 0;
                for (int v = 1; v < TinyGemma.VOCAB; v++) {
                    if (logits[(length - 1) * TinyGemma.VOCAB + v] > logits[(length - 1) * TinyGemma.VOCAB + best]) {
                        best = v;
                    }
                }
                assertEquals(best, generated[i], modelType + " on " + spec + ": token " + i + " of " + Arrays.toString(
                        generated) + " after " + Arrays.toString(prompt));
            }
        }
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }

    private static void assertClose(float[] expected, float[] actual, String context) {
        assertEquals(expected.length, actual.length, context);
        float largest = 0;
        for (float v : expected) {
            largest = Math.max(largest, Math.abs(v));
        }
        assertArrayEquals(expected, actual, 2e-5f * largest + Float.MIN_NORMAL, context);
    }
}
