package dev.loris.model.config;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.loris.model.config.ConfigSamples.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Phi-3 family config.json files in the shape released (microsoft/Phi-3.5-mini-instruct: LongRoPE through
 * rope_scaling with the older top-level original_max_position_embeddings; Phi-4-mini-instruct: partial rotary 0.75,
 * GQA, tied embeddings; Phi-3-mini-4k: no scaling, sliding_window 2047), the attention factor transformers derives,
 * the inverse frequencies of both factor sets, and Phi-3.5-mini's parameter count (3,821,079,552, its model card's).
 * The factors here are made up (the real ones are 48 numbers each); what is read from them is what matters.
 */
class Phi3ConfigTest {
    private static String factors(double first, double step, int count) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + step * i;
        }
        return Arrays.toString(values);
    }

    static final String PHI35_MINI = """
            {
              "architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
              "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu",
              "hidden_size": 3072, "initializer_range": 0.02, "intermediate_size": 8192,
              "max_position_embeddings": 131072, "model_type": "phi3", "num_attention_heads": 32,
              "num_hidden_layers": 32, "num_key_value_heads": 32, "original_max_position_embeddings": 4096,
              "pad_token_id": 32000, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
              "rope_scaling": {"long_factor": %s, "short_factor": %s, "type": "longrope"},
              "rope_theta": 10000.0, "sliding_window": 262144, "tie_word_embeddings": false,
              "torch_dtype": "bfloat16", "transformers_version": "4.43.3", "use_cache": true, "vocab_size": 32064
            }
            """.formatted(factors(1.0, 0.5, 48), factors(1.0, 0.01, 48));

    static final String PHI4_MINI = """
            {
              "architectures": ["Phi3ForCausalLM"], "attention_bias": false, "bos_token_id": 199999,
              "eos_token_id": 199999, "full_attn_mod": 1, "hidden_act": "silu", "hidden_size": 3072,
              "intermediate_size": 8192, "max_position_embeddings": 131072, "model_type": "phi3",
              "num_attention_heads": 24, "num_hidden_layers": 32, "num_key_value_heads": 8,
              "original_max_position_embeddings": 4096, "pad_token_id": 199999, "partial_rotary_factor": 0.75,
              "rms_norm_eps": 1e-05,
              "rope_scaling": {"long_factor": %s, "short_factor": %s, "type": "longrope"},
              "rope_theta": 10000.0, "sliding_window": 262144, "tie_word_embeddings": true,
              "torch_dtype": "bfloat16", "vocab_size": 200064
            }
            """.formatted(factors(1.0, 1.0, 48), factors(1.0, 0.0, 48));

    static final String PHI3_MINI_4K = """
            {
              "model_type": "phi3", "hidden_size": 3072, "intermediate_size": 8192, "num_attention_heads": 32,
              "num_hidden_layers": 32, "max_position_embeddings": 4096, "original_max_position_embeddings": 4096,
              "rope_scaling": null, "sliding_window": 2047, "vocab_size": 32064
            }
            """;

    @Test
    void phi35MiniReadsLongRopeAndCountsItsParameters() {
        ModelConfig c = parse(PHI35_MINI);
        assertEquals(Architecture.PHI3, c.architecture());
        assertTrue(c.hasFusedProjections());
        assertEquals(96, c.headDim());
        assertEquals(96, c.rotaryDim());
        assertFalse(c.qkvBias() || c.outputProjectionBias());
        RopeScaling.LongRope rope = assertInstanceOf(RopeScaling.LongRope.class, c.ropeScaling());
        assertEquals(4096, rope.originalMaxPositionEmbeddings());
        // factor 131072 / 4096 = 32: sqrt(1 + ln 32 / ln 4096) = sqrt(1 + 5 / 12)
        assertEquals(Math.sqrt(17.0 / 12), rope.attentionFactor(), 1e-15);
        assertEquals((float) Math.sqrt(17.0 / 12), c.ropeAttentionScaling());
        assertEquals(3_821_079_552L, c.size().total());
        assertEquals(List.of(32000), c.eosTokenIds());
        assertEquals(32000, c.padTokenId());
        assertEquals(0, c.attentionWindow(0), "a window beyond the context leaves the windowless kernels in use");
    }

    /** 1 / (factor_i * 10000^(2i/96)) in f32, short factors up to 4096 tokens, long ones beyond. */
    @Test
    void inverseFrequenciesTakeTheShortFactorsUpToTheOriginalContextAndTheLongOnesBeyond() {
        ModelConfig c = parse(PHI35_MINI);
        float[] standard = RopeFrequencies.standard(10000.0, 96);
        float[] atOriginal = c.ropeInverseFrequencies(4096);
        float[] beyond = c.ropeInverseFrequencies(4097);
        assertArrayEquals(atOriginal, c.ropeInverseFrequencies());
        for (int i = 0; i < 48; i++) {
            float power = 1f / standard[i];
            assertEquals(1f / ((float) (1.0 + 0.01 * i) * power), atOriginal[i], Math.ulp(atOriginal[i]) * 2);
            assertEquals(1f / ((float) (1.0 + 0.5 * i) * power), beyond[i], Math.ulp(beyond[i]) * 2);
        }
    }

    @Test
    void phi4MiniRotatesThreeQuartersOfEachHead() {
        ModelConfig c = parse(PHI4_MINI);
        assertEquals(128, c.headDim());
        assertEquals(96, c.rotaryDim());
        assertEquals(48, c.ropeInverseFrequencies().length);
        assertEquals(3, c.queryGroupSize());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(List.of(199999), c.eosTokenIds());
    }

    @Test
    void phi3Mini4kHasNoScalingAndAWindowTheKernelsApply() {
        ModelConfig c = parse(PHI3_MINI_4K);
        assertNull(c.ropeScaling());
        assertEquals(1f, c.ropeAttentionScaling());
        assertEquals(2047, c.attentionWindow(5));
        c.checkSequenceLength(4096); // computed by the kernels, so longer sequences are accepted
        assertEquals(1, c.bosTokenId());
        assertEquals(List.of(32000), c.eosTokenIds(), "Phi3Config's defaults");
        assertEquals(32000, c.padTokenId());
        assertFalse(c.tieWordEmbeddings());
    }

    @Test
    void suAndYarnAreLongRopeForPhi3() {
        for (String type : List.of("su", "yarn")) {
            ModelConfig c = parse(PHI35_MINI.replace("\"type\": \"longrope\"", "\"type\": \"" + type + "\""));
            assertInstanceOf(RopeScaling.LongRope.class, c.ropeScaling(), type);
        }
    }

    @Test
    void anExplicitAttentionFactorAndOriginalContextInsideTheScalingWin() {
        ModelConfig c = parse(PHI35_MINI.replace("\"type\": \"longrope\"",
                "\"type\": \"longrope\", \"attention_factor\": 1.25, \"original_max_position_embeddings\": 8192"));
        RopeScaling.LongRope rope = (RopeScaling.LongRope) c.ropeScaling();
        assertEquals(1.25, rope.attentionFactor());
        assertEquals(8192, rope.originalMaxPositionEmbeddings());
    }

    @Test
    void wrongFactorCountsAndOddRotaryWidthsAreRefusedByName() {
        LorisException e = assertThrows(LorisException.class, () -> parse(PHI35_MINI.replace(
                "\"type\": \"longrope\"", "\"type\": \"longrope\"").replace(factors(1.0, 0.01, 48),
                factors(1.0, 0.01, 47))));
        assertTrue(e.getMessage().contains("short_factor has 47 entries"), e.getMessage());
        e = assertThrows(LorisException.class, () -> parse(PHI4_MINI.replace("0.75", "0.7")));
        assertTrue(e.getMessage().contains("partial_rotary_factor = 0.7"), e.getMessage());
        e = assertThrows(LorisException.class, () -> parse(PHI35_MINI.replace("\"long_factor\": ", "\"x\": ")));
        assertTrue(e.getMessage().contains("long_factor is missing"), e.getMessage());
    }
}
