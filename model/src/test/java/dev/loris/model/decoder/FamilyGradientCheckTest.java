package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward and backward of the families issue 17 adds (Gemma 2, Gemma 3, Phi-3) on the JVM backend in f32, proven
 * against the forward itself: for parameters of every kind (embeddings, tied to the head for Gemma; the norms of a
 * layer; Gemma 3's q/k norms; each projection, Phi-3's fused qkv_proj and gate_up_proj; the final norm; Phi-3's
 * untied head), the directional derivative of the loss along a random direction, by central differences of
 * {@code evaluate(batch).loss()}, equals the backward's gradient dotted with that direction. The batch packs two
 * sequences longer than the sliding window, so windows, soft-caps, GeGLU, the (1 + w) norms, the scaled
 * embeddings and (Gemma 3) the local RoPE base all shape the loss; for Phi-3 the fused projections' splits, the
 * partial rotation and LongRoPE's long factors and attention factor (the batch is longer than its original context).
 *
 * <p>Tolerance: central differences D(h) along a direction of N(0, 1) elements at h = 4e-3 and 2e-3, combined by
 * Richardson extrapolation (4 D(h/2) - D(h)) / 3, which cancels the h² truncation term (large for the embeddings,
 * tied to the soft-capped head: 1e-3 at h = 2e-3 alone). f32 rounding of the loss (about 1e-7 of its size, 4)
 * divided by 2h leaves about 1e-4, so the two agree within 3e-4 + 1e-3 * |g . d|. A
 * missing factor (sqrt(hidden), 1 + w, a cap's derivative) is off by far more.
 */
class FamilyGradientCheckTest {
    private static final double STEP = 4e-3;

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gemma2", "gemma3_text", "phi3"})
    void gradientsMatchCentralDifferencesOfTheLoss(String modelType) {
        Path folder = TinyPhi3.writeFamily(modelType, 7, dir.resolve(modelType));
        Batch batch = batch(new Random(3));
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(folder, acc, Precision.F32)) {
            Map<String, float[]> gradients;
            try (HostGradients sink = HostGradients.all(acc); ForwardPass pass = decoder.forward(batch)) {
                pass.loss();
                pass.backward(sink);
                gradients = sink.read();
            }
            Random random = new Random(11);
            for (Map.Entry<String, DeviceArray> parameter : parameters(decoder)) {
                String name = parameter.getKey();
                DeviceArray weights = parameter.getValue();
                float[] original = HostCopies.floats(weights);
                float[] direction = new float[original.length];
                for (int i = 0; i < direction.length; i++) {
                    direction[i] = (float) random.nextGaussian();
                }
                float[] g = gradients.get(name);
                assertTrue(g != null && g.length == original.length, name + " has a gradient of its size");
                double analytic = 0;
                for (int i = 0; i < g.length; i++) {
                    analytic += (double) g[i] * direction[i];
                }
                double wide = centralDifference(decoder, batch, weights, original, direction, STEP);
                double narrow = centralDifference(decoder, batch, weights, original, direction, STEP / 2);
                weights.copyFrom(FloatArray.fromArray(original));
                double numeric = (4 * narrow - wide) / 3;
                assertEquals(numeric, analytic, 3e-4 + 1e-3 * Math.abs(analytic),
                        modelType + " " + name + ": central difference " + numeric + ", backward " + analytic);
            }
        }
    }

    /** Two sequences (10 and 7 tokens, longer than the window of 4), packed. */
    static Batch batch(Random random) {
        return Batch.of(random.ints(10, 0, TinyGemma.VOCAB).toArray(), random.ints(7, 0, TinyGemma.VOCAB).toArray());
    }

    private static double centralDifference(Decoder decoder, Batch batch, DeviceArray weights, float[] original,
                                            float[] direction, double step) {
        return (lossWith(decoder, batch, weights, original, direction, step)
                - lossWith(decoder, batch, weights, original, direction, -step)) / (2 * step);
    }

    private static double lossWith(Decoder decoder, Batch batch, DeviceArray weights, float[] original,
                                   float[] direction, double step) {
        float[] moved = new float[original.length];
        for (int i = 0; i < moved.length; i++) {
            moved[i] = (float) (original[i] + step * direction[i]);
        }
        weights.copyFrom(FloatArray.fromArray(moved));
        try (ForwardPass pass = decoder.evaluate(batch)) {
            return pass.loss();
        }
    }

    /** One parameter of each kind, by checkpoint name, with its device array. */
    private static List<Map.Entry<String, DeviceArray>> parameters(Decoder decoder) {
        DecoderWeights w = decoder.weights();
        List<Map.Entry<String, DeviceArray>> all = new ArrayList<>();
        all.add(Map.entry("model.embed_tokens.weight", w.embedding()));
        all.add(Map.entry("model.norm.weight", w.finalNorm));
        if (!decoder.config().tieWordEmbeddings()) {
            all.add(Map.entry("lm_head.weight", ((DenseProjection) w.lmHead()).weight()));
        }
        for (LayerWeights layer : w.layers()) {
            String p = layer.prefix();
            all.add(Map.entry(p + "input_layernorm.weight", layer.inputNorm()));
            all.add(Map.entry(p + "post_attention_layernorm.weight", layer.postAttentionNorm()));
            if (layer.preFeedforwardNorm() != null) {
                all.add(Map.entry(p + "pre_feedforward_layernorm.weight", layer.preFeedforwardNorm()));
                all.add(Map.entry(p + "post_feedforward_layernorm.weight", layer.postFeedforwardNorm()));
            }
            if (layer.qNorm() != null) {
                all.add(Map.entry(p + "self_attn.q_norm.weight", layer.qNorm()));
                all.add(Map.entry(p + "self_attn.k_norm.weight", layer.kNorm()));
            }
            for (Projection projection : layer.projections()) {
                all.add(Map.entry(projection.name() + ".weight", ((DenseProjection) projection).weight()));
            }
        }
        return all;
    }
}
