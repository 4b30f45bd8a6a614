package dev.loris.lora;

import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * LoRA dropout (p > 0): the mask is fixed by the pass's seed (same seed, same logits; another seed, others), and
 * the gradients of A and B are those of that masked function: central finite differences of the f32 loss at the
 * largest-gradient elements of the A and of the B matrices agree within 2% (plus 1e-4 for the loss's rounding).
 */
class LoraDropoutTest {
    private static final float EPSILON = 1e-2f;

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void dropoutIsSeededAndItsGradientsAreTheMaskedFunctions(String spec) {
        HfFixture fixture = HfFixture.load("llama3");
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraTestModels.config(4, 8, false, 0.25))) {
            LoraTestModels.randomise(adapter, 9, 0.2);
            float[] seed7 = logits(decoder, fixture, 7);
            assertArrayEquals(seed7, logits(decoder, fixture, 7), "the same seed gives the same mask");
            assertFalse(Arrays.equals(seed7, logits(decoder, fixture, 8)), "another seed gives another mask");

            adapter.zeroGradients();
            try (ForwardPass pass = decoder.forward(fixture.batch(), 7)) {
                pass.loss();
                pass.backward(adapter);
            }
            FloatArray gradients = new FloatArray(adapter.gradients().length());
            adapter.gradients().copyTo(gradients);
            FloatArray values = new FloatArray(adapter.parameters().length());
            adapter.parameters().copyTo(values);
            for (long i : largestElements(gradients, adapter, 4)) {
                float kept = values.get(i);
                values.set(i, kept + EPSILON);
                double up = loss(decoder, adapter, values, fixture);
                values.set(i, kept - EPSILON);
                double down = loss(decoder, adapter, values, fixture);
                values.set(i, kept);
                double numeric = (up - down) / (2 * EPSILON);
                assertEquals(numeric, gradients.get(i), 0.02 * Math.abs(numeric) + 1e-4, spec + ": parameter " + i);
            }
        }
    }

    private static float[] logits(Decoder decoder, HfFixture fixture, long seed) {
        try (ForwardPass pass = decoder.forward(fixture.batch(), seed)) {
            return pass.logits();
        }
    }

    private static double loss(Decoder decoder, LoraAdapter adapter, FloatArray values, HfFixture fixture) {
        adapter.parameters().copyFrom(values);
        adapter.parametersChanged();
        try (ForwardPass pass = decoder.forward(fixture.batch(), 7)) {
            return pass.loss();
        }
    }

    /** The {@code count} largest-gradient elements among the A matrices, then among the B matrices. */
    private static List<Long> largestElements(FloatArray g, LoraAdapter adapter, int count) {
        List<Long> inA = new ArrayList<>();
        List<Long> inB = new ArrayList<>();
        int r = adapter.config().rank();
        for (LoraAdapter.Module m : adapter.modules()) {
            for (long i = 0; i < (long) r * m.in(); i++) {
                inA.add(m.offsetA() + i);
            }
            for (long i = 0; i < (long) m.out() * r; i++) {
                inB.add(m.offsetB() + i);
            }
        }
        List<Long> chosen = new ArrayList<>();
        for (List<Long> part : List.of(inA, inB)) {
            part.sort((a, b) -> Float.compare(Math.abs(g.get(b)), Math.abs(g.get(a))));
            chosen.addAll(part.subList(0, count));
        }
        return chosen;
    }
}
