package dev.loris.lora;

import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.provider.Arguments;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** The reference models with a LoRA adapter whose A and B are random (B not zero, so the adapter matters). */
final class LoraTestModels {
    /** The reference models with PEFT fixtures (lora/src/test/resources/peft): the transformers fixtures'. */
    static final List<String> MODELS = HfFixture.MODELS;

    private LoraTestModels() {
    }

    /** For parameterised tests. */
    static List<String> models() {
        return MODELS;
    }

    /** Every reference model on every accelerator here: (model, spec) for parameterised tests. */
    static Stream<Arguments> modelsOnEveryAccelerator() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (String model : MODELS) {
                cases.add(Arguments.of(model, spec));
            }
        }
        return cases.stream();
    }

    static Decoder open(String model, Accelerator acc, Precision precision) {
        return Decoder.open(HfFixture.load(model).folder(), acc, precision);
    }

    /** Every A and B drawn from N(0, scale²), written to the master weights and the compute copy. */
    static void randomise(LoraAdapter adapter, long seed, double scale) {
        Random random = new Random(seed);
        FloatArray values = new FloatArray(adapter.parameters().length());
        for (long i = 0; i < values.length(); i++) {
            values.set(i, (float) (random.nextGaussian() * scale));
        }
        adapter.parameters().copyFrom(values);
        adapter.parametersChanged();
    }

    static LoraConfig config(int rank, double alpha, boolean rsLora, double dropout) {
        return LoraConfig.defaults().withRank(rank, alpha).withRsLora(rsLora).withDropout(dropout).withSeed(42);
    }
}
