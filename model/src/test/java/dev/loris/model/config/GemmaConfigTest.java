package dev.loris.model.config;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.loris.model.config.ConfigSamples.edited;
import static dev.loris.model.config.ConfigSamples.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemma 2 and Gemma 3 (text) config.json files as released (google/gemma-2-2b, google/gemma-3-1b-it), the
 * text_config of a multimodal gemma3 checkpoint, transformers 5's layer_types / rope_parameters forms and
 * transformers' class defaults; parameter counts equal to the model cards' (2,614,341,888 and 999,885,952).
 */
class GemmaConfigTest {
    static final String GEMMA2_2B = """
            {
              "architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
              "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid",
              "eos_token_id": 1, "final_logit_softcapping": 30.0, "head_dim": 256,
              "hidden_act": "gelu_pytorch_tanh", "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304,
              "initializer_range": 0.02, "intermediate_size": 9216, "max_position_embeddings": 8192,
              "model_type": "gemma2", "num_attention_heads": 8, "num_hidden_layers": 26, "num_key_value_heads": 4,
              "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
              "sliding_window": 4096, "torch_dtype": "float32", "transformers_version": "4.42.4",
              "use_cache": true, "vocab_size": 256000
            }
            """;
    static final String GEMMA3_1B = """
            {
              "architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
              "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid",
              "eos_token_id": [1, 106], "final_logit_softcapping": null, "head_dim": 256,
              "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152, "initializer_range": 0.02,
              "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
              "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
              "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000,
              "rope_scaling": null, "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6,
              "torch_dtype": "bfloat16", "transformers_version": "4.50.0.dev0", "use_cache": true,
              "vocab_size": 262144
            }
            """;

    @Test
    void gemma2ReadsEveryFieldAndCountsItsParameters() {
        ModelConfig c = parse(GEMMA2_2B);
        assertEquals(Architecture.GEMMA2, c.architecture());
        assertEquals(256, c.headDim());
        assertEquals(2, c.queryGroupSize());
        assertTrue(c.tieWordEmbeddings());
        assertEquals("gelu_pytorch_tanh", c.hiddenAct());
        assertEquals(List.of(1), c.eosTokenIds());
        assertEquals(0, c.padTokenId());
        assertNull(c.slidingWindow(), "Gemma's windows are per layer, computed by the kernels");
        GemmaSettings g = c.gemma();
        assertEquals(50.0, g.attentionSoftCap());
        assertEquals(30.0, g.finalLogitSoftCap());
        assertEquals(4096, g.slidingWindow());
        assertEquals(0.0625f, c.attentionScale());
        for (int layer = 0; layer < 26; layer++) {
            assertEquals(layer % 2 == 0, g.isSliding(layer), "Gemma 2 starts with a sliding layer, then alternates");
        }
        assertNull(c.localRopeInverseFrequencies(), "one RoPE base for every Gemma 2 layer");
        assertEquals(2_614_341_888L, c.size().total());
    }

    @Test
    void gemma3TextHasQkNormsLocalRopeAndFiveSlidingLayersPerGlobal() {
        ModelConfig c = parse(GEMMA3_1B);
        assertEquals(Architecture.GEMMA3_TEXT, c.architecture());
        assertTrue(c.hasQkNorm());
        assertEquals(List.of(1, 106), c.eosTokenIds());
        assertEquals(1_000_000.0, c.ropeTheta());
        GemmaSettings g = c.gemma();
        assertEquals(0, g.attentionSoftCap());
        assertEquals(0, g.finalLogitSoftCap());
        assertEquals(512, g.slidingWindow());
        for (int layer = 0; layer < 26; layer++) {
            assertEquals((layer + 1) % 6 != 0, g.isSliding(layer), "layer " + layer);
            assertEquals(g.isSliding(layer) ? 512 : 0, g.windowOf(layer));
        }
        assertArrayEquals(RopeFrequencies.standard(10_000, 256), c.localRopeInverseFrequencies());
        assertArrayEquals(RopeFrequencies.standard(1_000_000, 256), c.ropeInverseFrequencies());
        assertEquals(999_885_952L, c.size().total());
    }

    @Test
    void transformers5LayerTypesAndPerTypeRopeParametersAreRead() {
        ModelConfig c = parse(edited(GEMMA3_1B, o -> {
            o.remove(List.of("rope_theta", "rope_local_base_freq", "rope_scaling", "sliding_window_pattern"));
            o.put("num_hidden_layers", 3);
            o.putArray("layer_types").add("full_attention").add("sliding_attention").add("full_attention");
            var rope = o.putObject("rope_parameters");
            rope.putObject("full_attention").put("rope_type", "linear").put("factor", 8.0).put("rope_theta", 1e6);
            rope.putObject("sliding_attention").put("rope_type", "default").put("rope_theta", 20_000.0);
        }));
        assertEquals(List.of(false, true, false), c.gemma().slidingLayers());
        assertEquals(new RopeScaling.Linear(8.0), c.ropeScaling());
        assertEquals(1e6, c.ropeTheta());
        assertEquals(20_000.0, c.gemma().localRopeTheta());
    }

    @Test
    void aMultimodalGemma3IsReadThroughItsTextConfig() {
        String text = edited(GEMMA3_1B, o -> o.remove(List.of("model_type", "torch_dtype")));
        String multimodal = "{\"model_type\": \"gemma3\", \"torch_dtype\": \"bfloat16\", \"mm_tokens_per_image\": 256,"
                + " \"vision_config\": {\"model_type\": \"siglip_vision_model\"}, \"text_config\": " + text + "}";
        ModelConfig c = parse(multimodal);
        assertEquals(Architecture.GEMMA3_TEXT, c.architecture());
        assertEquals("bfloat16", c.dtype());
        assertEquals(1152, c.hiddenSize());
        LorisException missing = assertThrows(LorisException.class, () -> parse("{\"model_type\": \"gemma3\"}"));
        assertTrue(missing.getMessage().contains("text_config"), missing.getMessage());
    }

    @Test
    void classDefaultsApplyToAbsentKeys() {
        ModelConfig gemma2 = parse(edited(GEMMA2_2B, o -> o.remove(List.of("attn_logit_softcapping",
                "final_logit_softcapping", "query_pre_attn_scalar", "sliding_window", "hidden_act",
                "hidden_activation", "bos_token_id", "eos_token_id", "head_dim", "num_key_value_heads"))));
        assertEquals(50.0, gemma2.gemma().attentionSoftCap());
        assertEquals(30.0, gemma2.gemma().finalLogitSoftCap());
        assertEquals(4096, gemma2.gemma().slidingWindow());
        assertEquals(256, gemma2.headDim());
        assertEquals(4, gemma2.numKeyValueHeads());
        assertEquals(2, gemma2.bosTokenId());
        assertEquals(List.of(1), gemma2.eosTokenIds());
        ModelConfig gemma3 = parse(edited(GEMMA3_1B, o -> o.remove(List.of("rope_theta", "sliding_window_pattern",
                "tie_word_embeddings", "query_pre_attn_scalar"))));
        assertEquals(1_000_000.0, gemma3.ropeTheta());
        assertTrue(gemma3.tieWordEmbeddings());
        List<Boolean> expected = new ArrayList<>(Collections.nCopies(26, true));
        for (int layer = 5; layer < 26; layer += 6) {
            expected.set(layer, false);
        }
        assertEquals(expected, gemma3.gemma().slidingLayers());
    }

    @Test
    void whatLorisWouldGetWrongIsRefused() {
        assertRefused(edited(GEMMA2_2B, o -> o.put("hidden_activation", "gelu")), "hidden_activation");
        assertRefused(edited(GEMMA3_1B, o -> o.putArray("layer_types").add("sliding_attention")), "layer_types");
        assertRefused(edited(GEMMA3_1B, o -> o.put("query_pre_attn_scalar", -1)), "query_pre_attn_scalar");
        assertRefused(edited(GEMMA2_2B, o -> o.put("attn_logit_softcapping", -5.0)), "attn_logit_softcapping");
        assertRefused(edited(GEMMA2_2B, o -> o.putNull("sliding_window")), "sliding_window");
    }

    private static void assertRefused(String json, String mentioned) {
        LorisException e = assertThrows(LorisException.class, () -> parse(json));
        assertTrue(e.getMessage().contains(mentioned), e.getMessage());
        assertTrue(!e.hint().isEmpty());
    }
}
