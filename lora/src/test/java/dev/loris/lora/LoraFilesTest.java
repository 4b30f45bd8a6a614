package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DecoderAgainstTransformersTest;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.HfFixture;
import dev.loris.model.decoder.Precision;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adapters on disk and merges: a saved adapter loads back to the same logits; the files have PEFT's names,
 * shapes and config; a merged checkpoint loads as a plain model that computes what the adapter computed (to
 * the bf16 rounding of its weights); bad adapters fail with one error naming the tensor or setting.
 */
class LoraFilesTest {
    @TempDir
    Path temp;

    @Test
    void savedAdapterLoadsBackToTheSameLogits() {
        HfFixture fixture = HfFixture.load("qwen2");
        LoraConfig config = LoraTestModels.config(4, 8, true, 0).withModulesToSave(List.of("embed_tokens"));
        float[] before;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config)) {
            LoraTestModels.randomise(adapter, 1, 0.2);
            before = logits(decoder, fixture);
            adapter.save(temp, "tiny-qwen2");
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.load(decoder, temp)) {
            assertEquals(config.rank(), adapter.config().rank());
            assertTrue(adapter.config().rsLora());
            assertEquals(List.of("embed_tokens"), adapter.config().modulesToSave());
            assertArrayEquals(before, logits(decoder, fixture));
        }
    }

    @Test
    void filesHavePeftNamesShapesAndConfig() throws IOException {
        HfFixture fixture = HfFixture.load("llama3");
        LoraConfig config = LoraTestModels.config(4, 8, false, 0.05).withTargets(List.of("q_proj", "v_proj"));
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, config)) {
            adapter.save(temp, "base/model");
        }
        try (SafetensorsFile file = SafetensorsFile.open(temp.resolve("adapter_model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), file.metadata());
            assertEquals(2 * 2 * 2, file.names().size()); // 2 layers, q and v, A and B
            assertArrayEquals(new long[] {4, 64}, file.info("base_model.model.model.layers.0.self_attn.q_proj"
                    + ".lora_A.weight").shape());
            assertArrayEquals(new long[] {64, 4}, file.info("base_model.model.model.layers.1.self_attn.v_proj"
                    + ".lora_B.weight").shape());
            float[] b = file.readFloats("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight");
            for (float v : b) {
                assertEquals(0f, v, "B starts at zero, as PEFT's");
            }
            float[] a = file.readFloats("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
            double bound = 1 / Math.sqrt(64);
            for (float v : a) {
                assertTrue(Math.abs(v) <= bound && v != 0, "A is kaiming-uniform within 1/sqrt(in): " + v);
            }
        }
        String json = Files.readString(temp.resolve("adapter_config.json"));
        assertTrue(json.startsWith("{\n  \"alora_invocation_tokens\": null,\n  \"alpha_pattern\": {},\n"), json);
        assertTrue(json.contains("\n  \"lora_alpha\": 8,\n"), json);
        assertTrue(json.contains("\n  \"lora_dropout\": 0.05,\n"), json);
        assertTrue(json.contains("\n  \"target_modules\": [\n    \"q_proj\",\n    \"v_proj\"\n  ],\n"), json);
        assertTrue(json.contains("\"base_model_name_or_path\": \"base/model\""), json);
    }

    @Test
    void mergedCheckpointComputesWhatTheAdapterComputed() throws IOException {
        HfFixture fixture = HfFixture.load("mistral");
        Path merged = temp.resolve("merged");
        float[] adapted;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(fixture.folder(), acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraTestModels.config(8, 16, false, 0))) {
            LoraTestModels.randomise(adapter, 2, 0.1);
            adapted = logits(decoder, fixture);
            Files.createDirectories(merged);
            Files.writeString(merged.resolve("stale.txt"), "an older merge"); // replaced as a whole
            LoraMerge.merge(fixture.folder(), adapter, merged);
            LoraMerge.merge(fixture.folder(), adapter, temp.resolve("merged-f32"), Dtype.F32);
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(temp.resolve("merged-f32"), acc, Precision.F32)) {
            DecoderAgainstTransformersTest.assertClose(adapted, logits(decoder, fixture), 1e-4, "f32 merged logits");
        }
        assertTrue(Files.exists(merged.resolve("config.json")));
        assertTrue(Files.exists(merged.resolve("generation_config.json")));
        assertFalse(Files.exists(merged.resolve("stale.txt")));
        assertFalse(Files.exists(merged.resolveSibling(".merged.merging")));
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(merged, acc, Precision.F32)) {
            // merged weights rounded to bf16 once: these small random models amplify that to a few percent
            DecoderAgainstTransformersTest.assertClose(adapted, logits(decoder, fixture), 5e-2, "merged logits");
        }
    }

    @Test
    void anAdapterForAnotherModelFailsNamingTheTensor() {
        try (Accelerator acc = Accelerator.open("jvm")) {
            try (Decoder llama = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32);
                 LoraAdapter adapter = LoraAdapter.attach(llama, LoraTestModels.config(4, 8, false, 0))) {
                adapter.save(temp, "llama3");
            }
            try (Decoder mistral = Decoder.open(HfFixture.folder("mistral"), acc, Precision.F32)) {
                LorisException e = assertThrows(LorisException.class, () -> LoraAdapter.load(mistral, temp));
                assertTrue(e.getMessage().contains("model.layers.0.self_attn.q_proj.lora_A.weight"), e.getMessage());
                assertTrue(e.getMessage().contains("[4, 96]"), e.getMessage());
            }
        }
    }

    @Test
    void unsupportedOrBrokenAdaptersFailClearly() throws IOException {
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(HfFixture.folder("llama3"), acc, Precision.F32)) {
            try (LoraAdapter adapter = LoraAdapter.attach(decoder, LoraTestModels.config(4, 8, false, 0))) {
                adapter.save(temp, "llama3");
            }
            Path config = temp.resolve("adapter_config.json");
            String good = Files.readString(config);
            Files.writeString(config, good.replace("\"use_dora\": false", "\"use_dora\": true"));
            assertTrue(assertThrows(LorisException.class, () -> LoraAdapter.load(decoder, temp)).getMessage()
                    .contains("use_dora"));
            Files.writeString(config, good.replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 8}"));
            assertTrue(assertThrows(LorisException.class, () -> LoraAdapter.load(decoder, temp)).getMessage()
                    .contains("rank_pattern"));
            Files.delete(config);
            assertTrue(assertThrows(LorisException.class, () -> LoraAdapter.load(decoder, temp)).getMessage()
                    .contains("adapter_config.json"));
        }
        LorisException target = assertThrows(LorisException.class,
                () -> LoraConfig.defaults().withTargets(List.of("qkv")));
        assertTrue(target.getMessage().contains("qkv"), target.getMessage());
    }

    private static float[] logits(Decoder decoder, HfFixture fixture) {
        try (ForwardPass pass = decoder.forward(fixture.batch())) {
            return pass.logits();
        }
    }
}
