package dev.loris.lora;

import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DecoderAgainstTransformersTest;
import dev.loris.model.decoder.DenseProjection;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.HostGradients;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.TinyPhi3;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA's forward and gradients against the decoder without LoRA, whose gradients match transformers (model
 * module): with W_eff = W + s·B·A merged in f32, the adapted model's logits are the merged model's, and by the
 * chain rule dA = s·Bᵀ·dW_eff and dB = s·dW_eff·Aᵀ where dW_eff is the merged model's weight gradient. On every
 * reference model (every scaling rule, biases, tied embeddings, q/k norms) and every accelerator here.
 * Tolerances: logits 1e-4, gradients 1e-3 of the largest magnitude (f32): the merged model rounds W + s·B·A
 * to f32 once and sums in another order, which moves small gradient elements by ~1e-4 of the largest.
 */
class LoraGradientTest {
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dev.loris.lora.LoraTestModels#modelsOnEveryAccelerator")
    void adapterGradientsFollowFromTheMergedWeightGradient(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        LoraConfig config = LoraTestModels.config(model.equals("qwen3") ? 8 : 4, 8, model.startsWith("mistral"), 0);
        checkChainRule(model, fixture.folder(), fixture.batch(), spec, config);
    }

    /**
     * Phi-3's fused qkv_proj and gate_up_proj adapted as PEFT adapts them (one A and B over the fused output; all
     * four targets), on {@link TinyPhi3}: the same chain rule through the merged fused weight.
     */
    @ParameterizedTest(name = "phi3 on {0}")
    @MethodSource("dev.loris.tornado.runtime.Accelerator#available")
    void fusedPhi3AdapterGradientsFollowFromTheMergedWeightGradient(String spec, @TempDir Path dir) {
        LoraConfig config = LoraTestModels.config(4, 8, false, 0);
        Random random = new Random(3);
        Batch batch = Batch.of(random.ints(10, 0, 37).toArray(), random.ints(7, 0, 37).toArray());
        checkChainRule("phi3", TinyPhi3.write(5, dir.resolve("phi3")), batch, spec, config);
    }

    private static void checkChainRule(String model, Path folder, Batch batch, String spec, LoraConfig config) {
        try (Accelerator acc = Accelerator.open(spec);
             Decoder adapted = Decoder.open(folder, acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(adapted, config);
             Decoder merged = Decoder.open(folder, acc, Precision.F32);
             HostGradients mergedGradients = new HostGradients(acc, n -> n.endsWith("_proj.weight"))) {
            LoraTestModels.randomise(adapter, 17, 0.3);
            Map<String, float[]> values = adapter.read();
            merged.replaceProjections(p -> {
                DenseProjection dense = (DenseProjection) p;
                float[] w = MergeMaths.merged(read(dense.weight()), values.get(p.name() + ".lora_A.weight"),
                        values.get(p.name() + ".lora_B.weight"), p.outFeatures(), p.inFeatures(), config);
                DeviceArray weight = acc.upload(FloatArray.fromArray(w));
                DeviceArray bias = dense.bias() == null ? null : copy(acc, dense.bias());
                return new DenseProjection(p.name(), p.inFeatures(), p.outFeatures(), weight, bias);
            });
            float[] adaptedLogits;
            try (ForwardPass pass = adapted.forward(batch)) {
                adaptedLogits = pass.logits();
                pass.loss();
                pass.backward(adapter);
            }
            try (ForwardPass pass = merged.forward(batch)) {
                DecoderAgainstTransformersTest.assertClose(pass.logits(), adaptedLogits, 1e-4, model + " logits");
                pass.loss();
                pass.backward(mergedGradients);
            }
            Map<String, float[]> ours = adapter.readGradients();
            Map<String, float[]> dW = mergedGradients.read();
            assertEquals(2 * adapter.modules().size(), ours.size());
            for (LoraAdapter.Module m : adapter.modules()) {
                float[] weightGradient = dW.get(m.name() + ".weight");
                float[] a = values.get(m.aName());
                float[] b = values.get(m.bName());
                DecoderAgainstTransformersTest.assertClose(MergeMaths.gradientA(weightGradient, b, m.out(), m.in(),
                        config), ours.get(m.aName()), 1e-3, model + " " + m.aName());
                DecoderAgainstTransformersTest.assertClose(MergeMaths.gradientB(weightGradient, a, m.out(), m.in(),
                        config), ours.get(m.bName()), 1e-3, model + " " + m.bName());
            }
        }
    }

    /**
     * bf16 LoRA runs the same algebra in bf16 (a bf16 copy of the f32 master weights, bf16 activations): its loss
     * stays within 5% of the f32 one and its gradients are finite. (bf16 logits of these small random models are
     * 2-7% of the largest logit from f32 with or without LoRA, in transformers too: logits are compared with
     * PEFT's own bf16 run on the GPU machine.)
     */
    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dev.loris.lora.LoraTestModels#modelsOnEveryAccelerator")
    void bf16AdapterLossStaysCloseToF32(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        LoraConfig config = LoraTestModels.config(4, 8, false, 0);
        double f32;
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config)) {
            LoraTestModels.randomise(adapter, 5, 0.3);
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                f32 = pass.loss();
            }
        }
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.BF16);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config)) {
            LoraTestModels.randomise(adapter, 5, 0.3);
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                assertEquals(f32, pass.loss(), 0.05 * f32, model + " bf16 loss");
                pass.backward(adapter);
            }
            for (float[] g : adapter.readGradients().values()) {
                for (float v : g) {
                    assertTrue(Float.isFinite(v), model + ": a bf16 gradient is not finite");
                }
            }
        }
    }

    private static float[] read(DeviceArray array) {
        FloatArray host = new FloatArray(array.length());
        array.copyTo(host);
        return host.toHeapArray();
    }

    private static DeviceArray copy(Accelerator acc, DeviceArray array) {
        return acc.upload(FloatArray.fromArray(read(array)));
    }
}
