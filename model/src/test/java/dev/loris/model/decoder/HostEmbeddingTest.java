package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The input embedding kept in host memory (Decoder.keepEmbeddingOnHost, gradient checkpointing offload's memory
 * mode): on a device with its own memory the untied llama3 reference model's embedding leaves the device (its
 * bytes no longer counted), and the loss, every gradient but the embedding's and greedy generation are the
 * device embedding's bit for bit, since the rows are copied as stored. A tied model (qwen3) and the JVM (whose
 * device memory is the host's) keep it where it is; the moved embedding refuses to be read on the device with a
 * message that names the setting.
 */
class HostEmbeddingTest {
    static List<String> accelerators() {
        return Accelerator.available();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accelerators")
    void rowsGatheredOnTheHostGiveTheDeviceEmbeddingsResults(String spec) {
        HfFixture fixture = HfFixture.load("llama3");
        try (Accelerator acc = Accelerator.open(spec);
             Decoder onDevice = Decoder.open(fixture.folder(), acc, Precision.F32);
             Decoder onHost = Decoder.open(fixture.folder(), acc, Precision.F32)) {
            long deviceBytes = onHost.weights().bytes();
            boolean moved = onHost.keepEmbeddingOnHost();
            assertEquals(!acc.sharesHostMemory(), moved, "moves exactly where the device has its own memory");
            assertEquals(moved, onHost.weights().embeddingOnHost());
            if (moved) {
                long embeddingBytes = (long) onHost.config().vocabSize() * onHost.config().hiddenSize() * 4;
                assertEquals(deviceBytes - embeddingBytes, onHost.weights().bytes());
                LorisException e = assertThrows(LorisException.class, () -> onHost.weights().embedding());
                assertTrue(e.getMessage().contains("host memory") && e.hint().contains("--gradient-checkpointing"),
                        e.getMessage());
            }
            double[] deviceLoss = new double[1];
            double[] hostLoss = new double[1];
            var expected = gradients(onDevice, fixture.batch(), deviceLoss);
            var actual = gradients(onHost, fixture.batch(), hostLoss);
            assertEquals(deviceLoss[0], hostLoss[0], 0.0, "loss");
            assertEquals(expected.keySet(), actual.keySet());
            for (String name : expected.keySet()) {
                assertArrayEquals(expected.get(name), actual.get(name), name);
            }
            int[] prompt = java.util.Arrays.copyOf(fixture.batch().ids(), 6);
            assertArrayEquals(generate(onDevice, prompt), generate(onHost, prompt), "greedy generation");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accelerators")
    void aTiedEmbeddingStaysOnTheDevice(String spec) {
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(HfFixture.load("qwen3").folder(), acc, Precision.F32)) {
            assertFalse(decoder.keepEmbeddingOnHost(), "the LM head multiplies by it");
            assertFalse(decoder.weights().embeddingOnHost());
            decoder.weights().embedding();
        }
    }

    /** The loss and every gradient but the embedding's (the sink asks for none of it: it is frozen). */
    private static java.util.Map<String, float[]> gradients(Decoder decoder, Batch batch, double[] loss) {
        try (HostGradients all = HostGradients.all(decoder.accelerator());
             ForwardPass pass = decoder.forward(batch, 5, GradientCheckpointing.OFFLOAD)) {
            GradientSink frozenEmbedding = (name, elements) ->
                    name.equals("model.embed_tokens.weight") ? null : all.slot(name, elements);
            loss[0] = pass.train(frozenEmbedding, 1f / batch.labelledTokens());
            return all.read();
        }
    }

    private static int[] generate(Decoder decoder, int[] prompt) {
        return new Generator(decoder).generate(List.of(prompt), 8, SamplingSettings.GREEDY, Set.of(), null).getFirst();
    }
}
