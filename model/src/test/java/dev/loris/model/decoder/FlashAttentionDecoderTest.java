package dev.loris.model.decoder;

import dev.loris.testing.RequiresCuda;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder with tensor-core attention (FlashAttention forward and backward) against the same decoder with
 * the CUDA-core attention kernels, bf16, on the committed llama3 reference model (head_dim 64, 2 heads over 1
 * kv head, a packed batch of sequences of different lengths), the gemma3_text one (head_dim 48, a sliding window
 * of 8 on its local layers) and the phi3 one (head_dim 16, a window of 10): the same loss within 1e-2 relative; every
 * weight's gradient within 6e-2 of its largest magnitude of transformers' f32 gradient (on phi3, whose bf16
 * gradients are 19% off on the CUDA-core path already, within the next bound instead), and the tensor-core path
 * no further from those f32 gradients than 1.5 times the CUDA-core path's worst error plus 1e-3 (on the H100,
 * 2026-12-08: gemma3_text 0.0304 against 0.0229, 1.33x, from P rounded to bf16 as FlashAttention-2 rounds it;
 * llama3 and phi3 within 1.25x; a masking or indexing bug gives several times more). Both paths
 * are bf16 computations that round P, dS and the gradients at different places, so comparing them with each
 * other measures rounding noise (2.9% on the JVM, 4.1% on an H100), not which is right: the f32 gradients
 * are the yardstick (the CUDA-core path is up to 5.4% off them here, the tensor-core path up to 4.7% on the
 * JVM). The launch counts show which kernels ran. On the JVM, whose backend runs the tiles exactly, with the
 * tensor-core path chosen explicitly; on CUDA as the decoder picks it by default. Gemma 2 (soft-capped scores) is
 * not here: the decoder keeps it on the CUDA-core kernels (KernelLaunchers#tensorCoreAttention says why).
 */
class FlashAttentionDecoderTest {
    private static final double LOSS_TOLERANCE = 1e-2;
    private static final double AGAINST_F32 = 6e-2;
    private static final double NO_WORSE_THAN = 1.5;
    private static final double NO_WORSE_SLACK = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gemma3_text", "phi3"})
    void tensorCoreAttentionMatchesTheCudaCoreKernelsOnTheJvm(String model) {
        try (Accelerator acc = Accelerator.open("jvm")) {
            assertFalse(new KernelLaunchers(acc).tensorCoreAttention(), "the JVM picks the CUDA-core kernels");
            compare(acc, new KernelLaunchers(acc, true), model);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "gemma3_text", "phi3"})
    @RequiresCuda
    void tensorCoreAttentionOnCudaMatches(String model) {
        try (Accelerator acc = Accelerator.open("cuda")) {
            KernelLaunchers chosen = new KernelLaunchers(acc, KernelLaunchers.hasTensorCores(acc));
            assertTrue(chosen.tensorCoreAttention(), "an sm_80+ GPU can run bf16 attention on tensor cores");
            assertEquals(KernelLaunchers.TENSOR_CORE_ATTENTION_ENABLED, new KernelLaunchers(acc).tensorCoreAttention(),
                    "the default is tensor cores unless loris.tensorCoreAttention=false");
            compare(acc, chosen, model);
        }
    }

    private static void compare(Accelerator acc, KernelLaunchers tensorCores, String model) {
        HfFixture fixture = HfFixture.load(model);
        KernelLaunchers cudaCores = new KernelLaunchers(acc, false);
        try (Decoder plain = open(fixture, acc, cudaCores);
             Decoder flash = open(fixture, acc, tensorCores);
             HostGradients plainGradients = HostGradients.all(acc);
             HostGradients flashGradients = HostGradients.all(acc)) {
            double plainLoss = lossAndGradients(plain, fixture, plainGradients);
            double flashLoss = lossAndGradients(flash, fixture, flashGradients);
            assertEquals(plainLoss, flashLoss, LOSS_TOLERANCE * Math.abs(plainLoss), "loss");
            Map<String, float[]> expected = plainGradients.read();
            Map<String, float[]> actual = flashGradients.read();
            assertEquals(expected.keySet(), actual.keySet());
            double plainWorst = 0;
            for (String name : expected.keySet()) {
                float[] f32 = fixture.expected().readFloats("grad." + name);
                plainWorst = Math.max(plainWorst, DecoderAgainstTransformersTest.relativeError(f32, expected.get(name)));
            }
            // The absolute bound, unless the CUDA-core path is itself further off on this model (bf16 noise of
            // its weights' scale), where the tensor-core path must keep within the relative bound instead.
            double bound = Math.max(AGAINST_F32, NO_WORSE_THAN * plainWorst + NO_WORSE_SLACK);
            double flashWorst = 0;
            String flashWorstName = null;
            for (String name : expected.keySet()) {
                float[] f32 = fixture.expected().readFloats("grad." + name);
                DecoderAgainstTransformersTest.assertClose(f32, actual.get(name), bound, "gradient of " + name
                        + " with tensor-core attention against transformers' f32 gradient");
                double flashError = DecoderAgainstTransformersTest.relativeError(f32, actual.get(name));
                if (flashError > flashWorst) {
                    flashWorst = flashError;
                    flashWorstName = name;
                }
            }
            assertTrue(flashWorst <= NO_WORSE_THAN * plainWorst + NO_WORSE_SLACK, String.format(Locale.ROOT,
                    "tensor-core attention's gradients are %.4f off transformers' f32 ones (at %s), the CUDA-core"
                            + " path's %.4f", flashWorst, flashWorstName, plainWorst));
            Map<String, Long> flashRan = tensorCores.launchCounts();
            long layers = flash.config().numHiddenLayers();
            assertEquals(layers, flashRan.get("FlashAttention.forwardBf16"), "forwards: " + flashRan);
            assertEquals(layers, flashRan.get("FlashAttentionBackward.keyValueGradients"), "dK/dV: " + flashRan);
            assertEquals(layers, flashRan.get("FlashAttentionBackward.queryGradients"), "dQ: " + flashRan);
            assertFalse(flashRan.containsKey("AttentionForward.forward(bf16)"), "CUDA-core forward ran: " + flashRan);
            Map<String, Long> plainRan = cudaCores.launchCounts();
            assertEquals(layers, plainRan.get("AttentionForward.forward(bf16)"), "forwards: " + plainRan);
            assertFalse(plainRan.containsKey("FlashAttention.forwardBf16"), "tensor-core forward ran: " + plainRan);
        }
    }

    private static Decoder open(HfFixture fixture, Accelerator acc, KernelLaunchers kernels) {
        DecoderWeights weights = WeightLoader.load(fixture.folder(), acc, Precision.BF16);
        return new Decoder(weights, new Compute(Gemms.best(acc), kernels));
    }

    private static double lossAndGradients(Decoder decoder, HfFixture fixture, GradientSink sink) {
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            double loss = pass.loss();
            pass.backward(sink);
            return loss;
        }
    }
}
