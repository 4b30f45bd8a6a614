package dev.loris.model.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.loris.model.config.ConfigSamples.edited;
import static dev.loris.model.config.ConfigSamples.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading released config.json files: every field, the per-family defaults, and parameter counts equal to
 * what the model cards and transformers' num_parameters() report for those checkpoints.
 */
class ModelConfigTest {

    @Test
    void llama31ReadsEveryFieldAndCountsEightBillionParameters() {
        ModelConfig c = parse(ConfigSamples.LLAMA_31_8B);
        assertEquals(Architecture.LLAMA, c.architecture());
        assertEquals(128256, c.vocabSize());
        assertEquals(4096, c.hiddenSize());
        assertEquals(14336, c.intermediateSize());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(4, c.queryGroupSize());
        assertEquals(128, c.headDim());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new RopeScaling.Llama3(8.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(131072, c.maxPositionEmbeddings());
        assertFalse(c.tieWordEmbeddings());
        assertFalse(c.qkvBias());
        assertFalse(c.outputProjectionBias());
        assertEquals(128000, c.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertNull(c.padTokenId());
        assertNull(c.slidingWindow());
        assertEquals("bfloat16", c.dtype());
        assertEquals(8_030_261_248L, c.size().total());
        assertEquals(2 * 8_030_261_248L, c.size().bf16Bytes());
        assertEquals(64, c.ropeInverseFrequencies().length);
    }

    @Test
    void qwen25HasQkvBiasesTiedEmbeddingsAndNoWindowWhenSlidingIsOff() {
        ModelConfig c = parse(ConfigSamples.QWEN25_05B);
        assertEquals(Architecture.QWEN2, c.architecture());
        assertTrue(c.qkvBias());
        assertFalse(c.outputProjectionBias());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(64, c.headDim());
        assertNull(c.slidingWindow(), "use_sliding_window is false");
        assertEquals(List.of(151645), c.eosTokenIds());
        assertEquals(494_032_768L, c.size().total());
        assertEquals(0, c.size().lmHead());
        c.checkSequenceLength(100_000);
    }

    @Test
    void qwen3HasExplicitHeadDimAndPerHeadQkNorms() {
        ModelConfig c = parse(ConfigSamples.QWEN3_06B);
        assertEquals(Architecture.QWEN3, c.architecture());
        assertEquals(128, c.headDim(), "hidden / heads would be 64");
        assertTrue(c.hasQkNorm());
        assertFalse(c.qkvBias());
        assertEquals(1_000_000.0, c.ropeTheta(), "an integer rope_theta is accepted");
        assertNull(c.ropeScaling());
        assertEquals(596_049_920L, c.size().total());
        assertEquals(440_467_456L, c.size().nonEmbedding());
    }

    @Test
    void mistralRecordsItsSlidingWindowAndRefusesLongerSequences() {
        ModelConfig c = parse(ConfigSamples.MISTRAL_7B_V01);
        assertEquals(Architecture.MISTRAL, c.architecture());
        assertEquals(4096, c.slidingWindow());
        assertEquals(7_241_732_096L, c.size().total());
        c.checkSequenceLength(4096);
        ConfigException e = assertThrows(ConfigException.class, () -> c.checkSequenceLength(4097));
        assertTrue(e.getMessage().contains("sliding_window = 4096"), e.getMessage());
        assertTrue(e.hint().contains("4096"), e.hint());
    }

    @Test
    void familyDefaultsApplyWhenKeysAreAbsent() {
        ModelConfig mistral = parse(edited(ConfigSamples.MISTRAL_7B_V01, o -> {
            o.remove("num_key_value_heads");
            o.remove("sliding_window");
            o.remove("bos_token_id");
            o.remove("eos_token_id");
        }));
        assertEquals(8, mistral.numKeyValueHeads(), "MistralConfig's class default");
        assertEquals(4096, mistral.slidingWindow(), "MistralConfig's class default");
        assertEquals(1, mistral.bosTokenId());
        assertEquals(List.of(2), mistral.eosTokenIds());

        ModelConfig nullWindow = parse(edited(ConfigSamples.MISTRAL_7B_V01, o -> o.putNull("sliding_window")));
        assertNull(nullWindow.slidingWindow(), "Mistral v0.2+ writes null: full attention");

        ModelConfig llama = parse(edited(ConfigSamples.LLAMA_31_8B, o -> {
            o.remove("num_key_value_heads");
            o.remove("rms_norm_eps");
            o.remove("rope_theta");
            o.remove("rope_scaling");
            o.remove("max_position_embeddings");
        }));
        assertEquals(32, llama.numKeyValueHeads(), "Llama: same as the head count");
        assertEquals(1e-6, llama.rmsNormEps());
        assertEquals(10000.0, llama.ropeTheta());
        assertEquals(2048, llama.maxPositionEmbeddings());

        ModelConfig qwen3 = parse(edited(ConfigSamples.QWEN3_06B, o -> o.remove("head_dim")));
        assertEquals(128, qwen3.headDim(), "Qwen3Config's class default");
        ModelConfig explicitNullKv = parse(edited(ConfigSamples.QWEN3_06B, o -> o.putNull("num_key_value_heads")));
        assertEquals(16, explicitNullKv.numKeyValueHeads());
    }

    @Test
    void qwenSlidingWindowCountsOnlyWhenSomeLayerSlides() {
        ModelConfig on = parse(edited(ConfigSamples.QWEN25_05B, o -> o.put("use_sliding_window", true)));
        assertEquals(32768, on.slidingWindow(), "layers 21..23 slide");
        ModelConfig noLayer = parse(edited(ConfigSamples.QWEN25_05B, o -> {
            o.put("use_sliding_window", true);
            o.put("max_window_layers", 24);
        }));
        assertNull(noLayer.slidingWindow());
    }

    @Test
    void ropeScalingAcceptsTheOlderTypeKeyAndTransformers5RopeParameters() {
        ModelConfig oldKey = parse(edited(ConfigSamples.LLAMA_31_8B, o -> {
            var scaling = (com.fasterxml.jackson.databind.node.ObjectNode) o.get("rope_scaling");
            scaling.remove("rope_type");
            scaling.put("type", "llama3");
        }));
        assertInstanceOf(RopeScaling.Llama3.class, oldKey.ropeScaling());

        ModelConfig v5 = parse(edited(ConfigSamples.LLAMA_31_8B, o -> {
            var params = o.putObject("rope_parameters");
            params.put("rope_type", "llama3");
            params.put("rope_theta", 500000.0);
            params.put("factor", 32.0);
            params.put("low_freq_factor", 1.0);
            params.put("high_freq_factor", 4.0);
            o.remove("rope_scaling");
            o.remove("rope_theta");
        }));
        assertEquals(new RopeScaling.Llama3(32.0, 1.0, 4.0, 131072), v5.ropeScaling(),
                "original_max_position_embeddings defaults to max_position_embeddings");
        assertEquals(500000.0, v5.ropeTheta());

        ModelConfig plainV5 = parse(edited(ConfigSamples.QWEN3_06B, o -> {
            o.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 5e6);
            o.remove("rope_theta");
        }));
        assertNull(plainV5.ropeScaling());
        assertEquals(5e6, plainV5.ropeTheta());

        ModelConfig linear = parse(edited(ConfigSamples.QWEN3_06B,
                o -> o.putObject("rope_scaling").put("rope_type", "linear").put("factor", 2.0)));
        assertEquals(new RopeScaling.Linear(2.0), linear.ropeScaling());
    }

    @Test
    void readsFromAFolderAndNamesAMissingFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), ConfigSamples.QWEN3_06B);
        assertEquals(Architecture.QWEN3, ModelConfig.read(dir).architecture());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.read(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
    }
}
