package dev.loris.model.decoder;

import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's public seams: gradients only for what a {@link GradientSink} trains (frozen parameters cost no
 * memory), gradients that add up over passes, tied embeddings as a flag, projections that can be replaced, and
 * the kernel forms the decoder launches (the packed bf16 RMSNorm and SwiGLU that docs/PERF.md measured).
 */
class OpenDecoderTest {
    @Test
    void aFrozenModelAllocatesNoGradientAndATrainedNormGetsTransformersGradient() {
        HfFixture fixture = HfFixture.load("llama3");
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32)) {
            long[] frozen = backwardBytes(decoder, fixture, GradientSink.NONE);
            try (HostGradients one = new HostGradients(acc, "model.norm.weight"::equals)) {
                long[] withOne = backwardBytes(decoder, fixture, one);
                Map<String, float[]> gradients = one.read();
                assertEquals(Set.of("model.norm.weight"), gradients.keySet());
                DecoderAgainstTransformersTest.assertClose(fixture.expected().readFloats("grad.model.norm.weight"),
                        gradients.get("model.norm.weight"), 1e-3, "final norm gradient");
                // The one gradient array (hidden f32 values) is all the extra memory a trained norm costs.
                assertEquals(frozen[0] + 4L * decoder.config().hiddenSize(), withOne[0]);
                assertTrue(withOne[1] <= frozen[1] + 4L * decoder.config().hiddenSize());
            }
        }
    }

    @Test
    void gradientsAddUpOverPasses() {
        HfFixture fixture = HfFixture.load("qwen2"); // biases and tied embeddings: every kind of slot
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             HostGradients once = HostGradients.all(acc);
             HostGradients twice = HostGradients.all(acc)) {
            assertTrue(decoder.weights().tied);
            run(decoder, fixture, once);
            run(decoder, fixture, twice);
            run(decoder, fixture, twice);
            Map<String, float[]> single = once.read();
            Map<String, float[]> doubled = twice.read();
            assertEquals(single.keySet(), doubled.keySet());
            assertFalse(single.containsKey("lm_head.weight"), "a tied head's gradient goes to the embedding");
            single.forEach((name, g) -> {
                float[] expected = new float[g.length];
                for (int i = 0; i < g.length; i++) {
                    expected[i] = 2 * g[i];
                }
                DecoderAgainstTransformersTest.assertClose(expected, doubled.get(name), 1e-6, name + " twice");
            });
        }
    }

    @Test
    void replacedProjectionsAreCalledAndOwned() {
        HfFixture fixture = HfFixture.load("mistral");
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32)) {
            float[] before;
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                before = pass.logits();
            }
            int[] calls = new int[1];
            decoder.replaceProjections(p -> p.name().endsWith("down_proj") ? new CountingProjection(p, calls) : p);
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                assertArrayEquals(before, pass.logits(), "a wrapper that forwards changes nothing");
            }
            assertEquals(decoder.config().numHiddenLayers(), calls[0]);
        }
    }

    @Test
    void bf16RunsThePackedRmsNormAndSwiGluKernels() {
        HfFixture fixture = HfFixture.load("llama3");
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.BF16)) {
            run(decoder, fixture, GradientSink.NONE);
            Map<String, Long> launched = decoder.compute().kernels().launchCounts();
            for (String packed : new String[] {"RmsNorm.forwardBf16Packed", "SwiGlu.forwardBf16Packed",
                    "SwiGluBackward.backwardBf16Packed"}) {
                assertTrue(launched.containsKey(packed), packed + " not among " + launched.keySet());
            }
            assertFalse(launched.containsKey("RmsNorm.forward(bf16)"), "the 2-byte RMSNorm ran: " + launched);
            assertFalse(launched.containsKey("SwiGlu.forward(bf16)"), "the 2-byte SwiGLU ran: " + launched);
        }
    }

    @Test
    void chunkedHeadLossGivesTheSameLossAndGradients() {
        HfFixture fixture = HfFixture.load("llama3"); // untied head: its own weight gradient too
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             HostGradients whole = HostGradients.all(acc);
             HostGradients chunked = HostGradients.all(acc)) {
            double wholeLoss = lossAndGradients(decoder, fixture, whole);
            LmHeadLoss.testChunkRows = 3; // 27 tokens: nine chunks
            double chunkedLoss;
            try {
                chunkedLoss = lossAndGradients(decoder, fixture, chunked);
            } finally {
                LmHeadLoss.testChunkRows = 0;
            }
            assertEquals(wholeLoss, chunkedLoss, 1e-6 * wholeLoss);
            Map<String, float[]> expected = whole.read();
            chunked.read().forEach((name, g) -> DecoderAgainstTransformersTest.assertClose(expected.get(name), g, 1e-5,
                    "chunked " + name));
        }
    }

    /**
     * Gradient accumulation normalised by the window's labelled tokens: four micro-batches of one sequence each
     * through {@link ForwardPass#train} give the loss and gradients of the four sequences as one batch (f32, 1e-5).
     */
    @Test
    void fourMicroBatchesOfOneEqualOneBatchOfFour() {
        HfFixture fixture = HfFixture.load("qwen3");
        int[][] sequences = new int[4][];
        java.util.Random random = new java.util.Random(4);
        for (int s = 0; s < 4; s++) {
            sequences[s] = random.ints(5 + 3 * s, 3, 257).toArray();
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             HostGradients together = HostGradients.all(acc);
             HostGradients accumulated = HostGradients.all(acc)) {
            Batch all = Batch.of(sequences);
            double lossTogether;
            try (ForwardPass pass = decoder.forward(all)) {
                lossTogether = pass.train(together, 1f / all.labelledTokens()) / all.labelledTokens();
            }
            double sum = 0;
            for (int[] sequence : sequences) {
                try (ForwardPass pass = decoder.forward(Batch.of(sequence))) {
                    sum += pass.train(accumulated, 1f / all.labelledTokens());
                }
            }
            assertEquals(lossTogether, sum / all.labelledTokens(), 1e-5 * lossTogether);
            Map<String, float[]> expected = together.read();
            accumulated.read().forEach((name, g) -> DecoderAgainstTransformersTest.assertClose(expected.get(name), g,
                    1e-5, "accumulated " + name));
        }
    }

    private static double lossAndGradients(Decoder decoder, HfFixture fixture, GradientSink sink) {
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            double loss = pass.loss();
            pass.backward(sink);
            return loss;
        }
    }

    private static void run(Decoder decoder, HfFixture fixture, GradientSink sink) {
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            pass.loss();
            pass.backward(sink);
        }
    }

    /** Device bytes live after the backward (the pass still open) and the peak during it. */
    private static long[] backwardBytes(Decoder decoder, HfFixture fixture, GradientSink sink) {
        Accelerator acc = decoder.accelerator();
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            pass.loss();
            acc.resetPeakStats();
            pass.backward(sink);
            return new long[] {acc.memoryStats().currentBytes(), acc.memoryStats().peakBytes()};
        }
    }

    /** Forwards to a projection and counts forwards. */
    private record CountingProjection(Projection inner, int[] calls) implements Projection {
        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int inFeatures() {
            return inner.inFeatures();
        }

        @Override
        public int outFeatures() {
            return inner.outFeatures();
        }

        @Override
        public void forward(Compute c, dev.loris.tornado.runtime.DeviceArray x, int tokens,
                            dev.loris.tornado.runtime.DeviceArray y, Saved saved) {
            calls[0]++;
            inner.forward(c, x, tokens, y, saved);
        }

        @Override
        public void backward(Compute c, dev.loris.tornado.runtime.DeviceArray dy, dev.loris.tornado.runtime.DeviceArray x,
                             int tokens, dev.loris.tornado.runtime.DeviceArray dx, boolean accumulateDx, Saved saved,
                             GradientSink sink) {
            inner.backward(c, dy, x, tokens, dx, accumulateDx, saved, sink);
        }

        @Override
        public long bytes() {
            return inner.bytes();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
