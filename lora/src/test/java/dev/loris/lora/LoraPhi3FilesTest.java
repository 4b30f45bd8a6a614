package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.DecoderAgainstTransformersTest;
import dev.loris.model.decoder.ForwardPass;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.TinyPhi3;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRA on Phi-3's fused modules as PEFT names them ({@link TinyPhi3}): all-linear becomes qkv_proj, o_proj,
 * gate_up_proj, down_proj in adapter_config.json, the tensors are PEFT's (one A (r, hidden) and B (q + 2 kv, r) for
 * qkv_proj); the saved adapter loads back to the same logits, and the merged checkpoint (f32) computes what the
 * adapter computed within 1e-4; Llama's names on Phi-3 fail naming Phi-3's.
 */
class LoraPhi3FilesTest {
    @TempDir
    Path temp;

    private static float[] logits(Decoder decoder, Batch batch) {
        try (ForwardPass pass = decoder.forward(batch)) {
            return pass.logits();
        }
    }

    @Test
    void fusedModulesSaveLoadAndMergeAsPeftDoes() throws IOException {
        Path base = TinyPhi3.write(8, temp.resolve("phi3"));
        Random random = new Random(2);
        Batch batch = Batch.of(random.ints(12, 0, 37).toArray(), random.ints(5, 0, 37).toArray());
        Path adapterFolder = temp.resolve("adapter");
        float[] adapted;
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(base, acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.attach(decoder, LoraTestModels.config(4, 8, false, 0))) {
            assertEquals(List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj"), adapter.config().targetModules());
            LoraTestModels.randomise(adapter, 3, 0.2);
            adapted = logits(decoder, batch);
            adapter.save(adapterFolder, "tiny-phi3");
        }
        try (SafetensorsFile file = SafetensorsFile.open(adapterFolder.resolve("adapter_model.safetensors"))) {
            assertEquals(2 * 4 * 2, file.names().size()); // 2 layers, 4 modules, A and B
            String p = "base_model.model.model.layers.1.";
            assertArrayEquals(new long[] {4, 24}, file.info(p + "self_attn.qkv_proj.lora_A.weight").shape());
            assertArrayEquals(new long[] {80, 4}, file.info(p + "self_attn.qkv_proj.lora_B.weight").shape());
            assertArrayEquals(new long[] {80, 4}, file.info(p + "mlp.gate_up_proj.lora_B.weight").shape());
        }
        String json = Files.readString(adapterFolder.resolve("adapter_config.json"));
        assertTrue(json.contains("\n  \"target_modules\": [\n    \"qkv_proj\",\n    \"o_proj\",\n    \"gate_up_proj\","
                + "\n    \"down_proj\"\n  ],\n"), json);
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(base, acc, Precision.F32);
             LoraAdapter adapter = LoraAdapter.load(decoder, adapterFolder)) {
            assertArrayEquals(adapted, logits(decoder, batch));
            LoraMerge.merge(base, adapter, temp.resolve("merged"), Dtype.F32);
        }
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder merged = Decoder.open(temp.resolve("merged"), acc, Precision.F32)) {
            DecoderAgainstTransformersTest.assertClose(adapted, logits(merged, batch), 1e-4, "merged phi3 logits");
        }
    }

    @Test
    void llamaNamesOnPhi3FailNamingItsProjections() {
        Path base = TinyPhi3.write(8, temp.resolve("phi3"));
        try (Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(base, acc, Precision.F32)) {
            LorisException e = assertThrows(LorisException.class, () -> LoraAdapter.attach(decoder,
                    LoraTestModels.config(4, 8, false, 0).withTargets(List.of("q_proj", "v_proj"))));
            assertTrue(e.getMessage().contains("q_proj, v_proj name no projection of this phi3 model"), e.getMessage());
            assertTrue(e.hint().contains("qkv_proj, o_proj, gate_up_proj, down_proj"), e.hint());
        }
    }
}
