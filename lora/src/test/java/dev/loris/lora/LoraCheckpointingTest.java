package dev.loris.lora;

import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.DeepTinyModel;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.decoder.Precision;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A LoRA step with dropout (p = 0.1) under gradient checkpointing: the backward's recompute draws the same
 * dropout masks (a hash of the pass's seed and the projection's place), so the adapter's gradients and the
 * loss equal those without checkpointing: bit for bit on the JVM, in f32 and bf16; within f32 rounding of the
 * largest gradient on devices (f32 only: bf16 sums may round differently where the order of launches is
 * free to differ).
 */
class LoraCheckpointingTest {
    @TempDir
    static Path dir;
    private static Path model;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            cases.add(Arguments.of(spec, Precision.F32));
            if (spec.equals("jvm")) {
                cases.add(Arguments.of(spec, Precision.BF16));
            }
        }
        return cases.stream();
    }

    private static synchronized Path model() {
        if (model == null) {
            model = DeepTinyModel.write("llama3", 4, 3, dir);
        }
        return model;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void adapterGradientsWithDropoutEqualThoseWithoutCheckpointing(String spec, Precision precision) {
        Random random = new Random(6);
        Batch batch = Batch.of(random.ints(40, 3, 300).toArray(), random.ints(33, 3, 300).toArray());
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(model(), acc, precision);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraTestModels.config(4, 8, false, 0.1))) {
            LoraTestModels.randomise(adapter, 9, 0.2);
            float[] none = null;
            double noneLoss = 0;
            for (GradientCheckpointing mode : GradientCheckpointing.values()) {
                adapter.zeroGradients();
                double loss;
                try (ForwardPass pass = decoder.forward(batch, 21, mode)) {
                    loss = pass.train(adapter, 1f / batch.labelledTokens());
                }
                FloatArray host = new FloatArray(adapter.gradients().length());
                adapter.gradients().copyTo(host);
                float[] gradients = host.toHeapArray();
                if (none == null) {
                    none = gradients;
                    noneLoss = loss;
                    continue;
                }
                String context = mode + " on " + spec + " " + precision;
                if (acc.backend() == Accelerator.Backend.JVM) {
                    assertEquals(noneLoss, loss, 0, context);
                    assertArrayEquals(none, gradients, context);
                } else {
                    assertEquals(noneLoss, loss, 1e-6 * Math.abs(noneLoss), context);
                    float largest = 0;
                    float worst = 0;
                    for (int i = 0; i < none.length; i++) {
                        largest = Math.max(largest, Math.abs(none[i]));
                        worst = Math.max(worst, Math.abs(none[i] - gradients[i]));
                    }
                    assertTrue(worst <= 1e-5f * largest, context + ": differs by " + worst + " of " + largest);
                }
            }
        }
    }
}
