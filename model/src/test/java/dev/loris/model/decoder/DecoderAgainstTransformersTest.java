package dev.loris.model.decoder;

import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The decoder against transformers 5.17 on the committed reference models (hf-models/), on every accelerator
 * here: logits and loss within 1e-4 in f32 and 2e-2 in bf16, every weight's gradient within 1e-3 in f32.
 * Errors are relative to the largest magnitude of the reference tensor (max |ours - theirs| / max |theirs|),
 * so a tensor with a few tiny elements is not judged by those.
 */
public class DecoderAgainstTransformersTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (String model : HfFixture.MODELS) {
                cases.add(Arguments.of(model, spec));
            }
            for (String model : HfFixture.recorded()) { // issue 17's families, once their fixtures are committed
                cases.add(Arguments.of(model, spec));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} f32 on {1}")
    @MethodSource("cases")
    void f32LogitsLossAndGradientsMatch(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             ForwardPass pass = decoder.forward(fixture.batch());
             HostGradients sink = HostGradients.all(acc)) {
            int vocab = decoder.config().vocabSize();
            assertClose(fixture.packedLogits(fixture.logitsF32(), vocab), pass.logits(), 1e-4, model + " logits");
            double loss = pass.loss();
            assertEquals(fixture.lossF32(), loss, 1e-4 * Math.abs(fixture.lossF32()), model + " loss");
            pass.backward(sink);
            Map<String, float[]> gradients = sink.read();
            for (String name : fixture.expected().names()) {
                if (name.startsWith("grad.")) {
                    String weight = name.substring("grad.".length());
                    float[] ours = gradients.get(weight);
                    if (ours == null) {
                        fail(model + ": no gradient for " + weight + "; we have " + gradients.keySet());
                    }
                    assertClose(fixture.expected().readFloats(name), ours, 1e-3, model + " gradient of " + weight);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} bf16 on {1}")
    @MethodSource("cases")
    void bf16LogitsAndLossMatch(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.BF16);
             ForwardPass pass = decoder.forward(fixture.batch())) {
            int vocab = decoder.config().vocabSize();
            assertClose(fixture.packedLogits(fixture.logitsBf16(), vocab), pass.logits(), 2e-2, model + " logits");
            assertEquals(fixture.lossBf16(), pass.loss(), 2e-2 * Math.abs(fixture.lossBf16()), model + " loss");
        }
    }

    public static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        int at = worstIndex(expected, actual);
        double worst = at < 0 ? 0 : Math.abs((double) actual[at] - expected[at]);
        double relative = relativeError(expected, actual);
        assertTrue(relative <= tolerance, what + ": max error " + worst + " at " + at + " (ours " + (at < 0 ? "?" :
                actual[at]) + ", transformers " + (at < 0 ? "?" : expected[at]) + "), " + relative
                + " of the largest magnitude " + maxMagnitude(expected) + "; tolerance " + tolerance);
    }

    /**
     * The largest |actual - expected| as a fraction of expected's largest magnitude (the absolute difference when
     * expected is all zeros); NaN when any difference is NaN.
     */
    public static double relativeError(float[] expected, float[] actual) {
        int at = worstIndex(expected, actual);
        double worst = at < 0 ? 0 : Math.abs((double) actual[at] - expected[at]);
        double scale = maxMagnitude(expected);
        return scale == 0 ? worst : worst / scale;
    }

    /** Where |actual - expected| is largest, a NaN difference counting as the largest; -1 for empty arrays. */
    private static int worstIndex(float[] expected, float[] actual) {
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length && !Double.isNaN(worst); i++) {
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= worst)) {
                worst = error;
                at = i;
            }
        }
        return at;
    }

    private static double maxMagnitude(float[] values) {
        double scale = 0;
        for (float v : values) {
            scale = Math.max(scale, Math.abs(v));
        }
        return scale;
    }
}
