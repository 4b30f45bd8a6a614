package dev.loris.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DecoderAgainstTransformersTest;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Loris' LoRA against PEFT 0.21 and transformers 5.17, from fixtures recorded on the GPU machine
 * (peft/make_peft_fixtures.py; see its header), on every accelerator here:
 * <ul>
 *   <li>PEFT's own saved adapter loads into Loris and gives PEFT's logits and loss (f32 1e-4; bf16 within
 *       {@link #bf16Tolerance}) and PEFT's gradients of every lora_A/lora_B (and modules_to_save) weight (f32,
 *       1e-4 of the largest);</li>
 *   <li>merging PEFT's adapter gives what PEFT's merge_and_unload computes (f32 1e-4);</li>
 *   <li>PEFT loads Loris' adapter onto the HF model and its logits are Loris' (f32 1e-4, bf16 as above);
 *       transformers loads Loris' merged checkpoint and its logits are Loris' on it (f32 1e-4);</li>
 *   <li>Loris writes those adapter files byte for byte again, and its adapter_config.json has PEFT's fields.</li>
 * </ul>
 */
class AgainstPeftTest {
    @TempDir
    Path temp;

    /** This module's peft/ test resources (on the class path as files). */
    static Path peft(String model) {
        try {
            return Path.of(AgainstPeftTest.class.getResource("/peft/make_peft_fixtures.py").toURI()).getParent()
                    .resolve(model);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path loris(String model) {
        return peft(model).getParent().resolve("loris").resolve(model);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dev.loris.lora.LoraTestModels#modelsOnEveryAccelerator")
    void peftAdapterGivesPeftLogitsLossAndGradients(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        try (SafetensorsFile expected = SafetensorsFile.open(peft(model).resolve("expected_lora.safetensors"));
             Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.load(decoder, peft(model).resolve("adapter"))) {
            int vocab = decoder.config().vocabSize();
            try (ForwardPass pass = decoder.forward(fixture.batch())) {
                DecoderAgainstTransformersTest.assertClose(fixture.packedLogits(expected.readFloats("logits_f32"), vocab),
                        pass.logits(), 1e-4, model + " logits");
                double loss = expected.readFloats("loss_f32")[0];
                assertEquals(loss, pass.loss(), 1e-4 * loss, model + " loss");
                pass.backward(adapter);
            }
            Map<String, float[]> ours = adapter.readGradients();
            int compared = 0;
            for (String name : expected.names()) {
                if (name.startsWith("grad.")) {
                    String parameter = name.substring("grad.".length() + PeftAdapterFiles.KEY_PREFIX.length());
                    assertNotNull(ours.get(parameter), model + ": no gradient for " + parameter);
                    DecoderAgainstTransformersTest.assertClose(expected.readFloats(name), ours.get(parameter), 1e-4,
                            model + " gradient of " + parameter);
                    compared++;
                }
            }
            assertEquals(ours.size(), compared, model + ": gradients compared");
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dev.loris.lora.LoraTestModels#modelsOnEveryAccelerator")
    void peftAdapterInBf16AndMergedMatchPeft(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        Path merged = temp.resolve("merged");
        try (SafetensorsFile expected = SafetensorsFile.open(peft(model).resolve("expected_lora.safetensors"));
             Accelerator acc = Accelerator.open(spec)) {
            try (Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.BF16);
                 LoraAdapter adapter = LoraAdapter.load(decoder, peft(model).resolve("adapter"));
                 ForwardPass pass = decoder.evaluate(fixture.batch())) {
                int vocab = decoder.config().vocabSize();
                float[] bf16 = fixture.packedLogits(expected.readFloats("logits_bf16"), vocab);
                DecoderAgainstTransformersTest.assertClose(bf16, pass.logits(),
                        bf16Tolerance(fixture.packedLogits(expected.readFloats("logits_f32"), vocab), bf16),
                        model + " bf16 logits");
                double loss = expected.readFloats("loss_bf16")[0];
                assertEquals(loss, pass.loss(), 2e-2 * loss, model + " bf16 loss");
                LoraMerge.merge(fixture.folder(), adapter, merged, Dtype.F32);
            }
            try (Decoder decoder = Decoder.open(merged, acc, Precision.F32);
                 ForwardPass pass = decoder.forward(fixture.batch())) {
                DecoderAgainstTransformersTest.assertClose(fixture.packedLogits(expected.readFloats("logits_merged_f32"),
                        decoder.config().vocabSize()), pass.logits(), 1e-4, model + " merged logits");
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("dev.loris.lora.LoraTestModels#modelsOnEveryAccelerator")
    void peftAndTransformersComputeWhatLorisComputesWithItsFiles(String model, String spec) {
        HfFixture fixture = HfFixture.load(model);
        Path ours = loris(model);
        try (SafetensorsFile theirs = SafetensorsFile.open(ours.resolve("peft_logits.safetensors"));
             Accelerator acc = Accelerator.open(spec)) {
            for (Precision precision : new Precision[] {Precision.F32, Precision.BF16}) {
                try (Decoder decoder = Decoder.open(fixture.folder(), acc, precision);
                     LoraAdapter adapter = LoraAdapter.load(decoder, ours.resolve("adapter"));
                     ForwardPass pass = decoder.evaluate(fixture.batch())) {
                    int vocab = decoder.config().vocabSize();
                    float[] f32 = fixture.packedLogits(theirs.readFloats("adapter_logits_f32"), vocab);
                    if (precision == Precision.F32) {
                        DecoderAgainstTransformersTest.assertClose(f32, pass.logits(), 1e-4,
                                model + " PEFT on our adapter, f32");
                    } else {
                        // Judged against PEFT's f32 logits: no further from them than PEFT's own bf16 run (with the
                        // usual 25% margin). Two bf16 runs may each be that far off, in different directions
                        // (gemma2 here: ours 2.9% from PEFT's bf16, each within its margin of f32).
                        float[] bf16 = fixture.packedLogits(theirs.readFloats("adapter_logits_bf16"), vocab);
                        DecoderAgainstTransformersTest.assertClose(f32, pass.logits(), bf16Tolerance(f32, bf16),
                                model + " PEFT on our adapter, bf16 against PEFT's f32");
                    }
                }
            }
            try (Decoder decoder = Decoder.open(ours.resolve("merged"), acc, Precision.F32);
                 ForwardPass pass = decoder.forward(fixture.batch())) {
                DecoderAgainstTransformersTest.assertClose(fixture.packedLogits(theirs.readFloats("merged_logits_f32"),
                        decoder.config().vocabSize()), pass.logits(), 1e-4, model + " transformers on our merge");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.loris.lora.LoraTestModels#models")
    void lorisWritesItsCommittedFilesAgainWithPeftsConfigFields(String model) throws IOException {
        LorisAdaptersForPeft.write(temp, model);
        for (String file : List.of("adapter/adapter_model.safetensors", "adapter/adapter_config.json",
                "merged/model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(loris(model).resolve(file)), Files.readAllBytes(temp.resolve(file)),
                    model + ": " + file + " changed; rerun LorisAdaptersForPeft and the GPU check");
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode peftConfig = json.readTree(peft(model).resolve("adapter/adapter_config.json").toFile());
        JsonNode ourConfig = json.readTree(temp.resolve("adapter/adapter_config.json").toFile());
        assertEquals(fields(peftConfig), fields(ourConfig), model + ": adapter_config.json fields");
    }

    /**
     * How far Loris' bf16 logits may be from PEFT's bf16 ones: 2% of the largest logit, or, where more, 1.25
     * times the distance between PEFT's own bf16 and f32 logits of the same model and adapter. On these small
     * random models bf16 itself moves logits by 2-6% (PEFT's f32 adapters under autocast, Loris' bf16 copy
     * of its f32 masters, each rounds differently), so no comparison in bf16 can be tighter than bf16's own
     * spread; f32 is compared at 1e-4.
     */
    static double bf16Tolerance(float[] peftF32, float[] peftBf16) {
        return Math.max(2e-2, 1.25 * DecoderAgainstTransformersTest.relativeError(peftF32, peftBf16));
    }

    private static TreeSet<String> fields(JsonNode node) {
        TreeSet<String> names = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
