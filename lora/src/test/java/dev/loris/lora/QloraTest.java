package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DenseProjection;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjection;
import dev.loris.quant.QuantizedProjections;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QLoRA: LoRA over a base quantised while loading (NF4 with double quantisation, FP4, int8) computes exactly
 * what LoRA over a dense bf16 model holding the dequantised weights computes: same logits, same adapter
 * gradients, bit for bit (the same bf16 GEMM inputs on the same backend). The quantised model is smaller.
 */
class QloraTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            cases.add(Arguments.of("llama3", "nf4", spec));
            cases.add(Arguments.of("qwen2", "fp4", spec));
            cases.add(Arguments.of("qwen3", "int8", spec));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} on {2}")
    @MethodSource("cases")
    void loraOverQuantisedWeightsEqualsLoraOverTheirDequantisedValues(String model, String type, String spec) {
        HfFixture fixture = HfFixture.load(model);
        QuantScheme scheme = switch (type) {
            case "nf4" -> QuantScheme.LOAD_IN_4BIT;
            case "fp4" -> new QuantScheme.FourBit(dev.loris.quant.FourBitType.FP4, 64, false);
            default -> QuantScheme.LOAD_IN_8BIT;
        };
        LoraConfig config = LoraTestModels.config(4, 8, false, 0);
        try (Accelerator acc = Accelerator.open(spec);
             Decoder quantised = Decoder.open(fixture.folder(), acc, Precision.BF16,
                     QuantizedProjections.loader(scheme));
             Decoder dense = Decoder.open(fixture.folder(), acc, Precision.BF16)) {
            assertTrue(quantised.weights().bytes() < dense.weights().bytes(), "quantised is not smaller");
            dense.replaceProjections(p -> dequantisedTwin(acc, quantised, p.name(), (DenseProjection) p));
            try (LoraAdapter onQuantised = LoraAdapter.attach(quantised, config);
                 LoraAdapter onDense = LoraAdapter.attach(dense, config)) {
                LoraTestModels.randomise(onQuantised, 3, 0.2);
                LoraTestModels.randomise(onDense, 3, 0.2);
                float[] expected = step(dense, onDense, fixture);
                float[] actual = step(quantised, onQuantised, fixture);
                assertArrayEquals(expected, actual, model + " " + type + ": logits");
                Map<String, float[]> want = onDense.readGradients();
                onQuantised.readGradients().forEach((name, g) -> assertArrayEquals(want.get(name), g, name));
            }
        }
    }

    @Test
    void quantisedModelsRefuseF32() {
        HfFixture fixture = HfFixture.load("llama3");
        try (Accelerator acc = Accelerator.open("jvm")) {
            LorisException e = assertThrows(LorisException.class, () -> Decoder.open(fixture.folder(), acc,
                    Precision.F32, QuantizedProjections.loader(QuantScheme.LOAD_IN_4BIT)));
            assertTrue(e.getMessage().contains("bf16"), e.getMessage());
            assertThrows(LorisException.class, () -> Decoder.open(fixture.folder(), acc, Precision.BF16,
                    QuantizedProjections.prequantized()));
        }
    }

    private static float[] step(Decoder decoder, LoraAdapter adapter, HfFixture fixture) {
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            float[] logits = pass.logits();
            pass.loss();
            pass.backward(adapter);
            return logits;
        }
    }

    /** A dense bf16 projection whose weight is the quantised twin's dequantised values, with the same bias. */
    private static DenseProjection dequantisedTwin(Accelerator acc, Decoder quantised, String name, DenseProjection p) {
        QuantizedProjection twin = quantised.weights().layers().stream().flatMap(l -> l.projections().stream())
                .filter(q -> q.name().equals(name)).map(QuantizedProjection.class::cast).findFirst().orElseThrow();
        DeviceArray weight = acc.allocate(BFloat16Array.class, (long) p.outFeatures() * p.inFeatures());
        twin.weight().dequantize(weight, acc.defaultStream());
        DeviceArray bias = null;
        if (p.bias() != null) {
            bias = acc.allocate(BFloat16Array.class, p.outFeatures());
            bias.copyFrom(p.bias());
        }
        p.close();
        return new DenseProjection(name, p.inFeatures(), p.outFeatures(), weight, bias);
    }
}
