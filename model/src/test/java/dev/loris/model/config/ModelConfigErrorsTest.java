package dev.loris.model.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static dev.loris.model.config.ConfigSamples.edited;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Broken or unsupported config.json files: each error names the file and the key, and says what to do.
 */
class ModelConfigErrorsTest {

    private static ConfigException failure(String base, Consumer<ObjectNode> edit) {
        String json = edited(base, edit);
        return assertThrows(ConfigException.class, () -> ModelConfigReader.parse(json, "/m/config.json"));
    }

    private static void assertMentions(ConfigException e, String... parts) {
        String all = e.getMessage() + " | " + e.hint();
        assertTrue(all.contains("/m/config.json"), all);
        for (String part : parts) {
            assertTrue(all.contains(part), "'" + part + "' missing from: " + all);
        }
        assertTrue(!e.hint().isEmpty(), "every error carries a hint: " + all);
    }

    @Test
    void unknownModelTypeListsTheSupportedOnes() {
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("model_type", "gemma2")),
                "gemma2", "llama, mistral, qwen2, qwen3");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.remove("model_type")), "model_type");
    }

    @Test
    void missingAndMistypedKeysAreNamed() {
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.remove("hidden_size")), "hidden_size is missing");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("hidden_size", "4096")),
                "hidden_size must be an integer", "string");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("vocab_size", 128256.5)),
                "vocab_size must be an integer");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("tie_word_embeddings", "no")),
                "tie_word_embeddings must be true or false");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.putArray("eos_token_id").add("x")),
                "eos_token_id[0] must be an integer");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B,
                        o -> ((ObjectNode) o.get("rope_scaling")).put("factor", "8")),
                "rope_scaling.factor must be a number");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("num_hidden_layers", 0)),
                "num_hidden_layers = 0 must be positive");
    }

    @Test
    void inconsistentShapesAreRefused() {
        assertMentions(failure(ConfigSamples.MISTRAL_7B_V01, o -> o.put("hidden_size", 4100)),
                "hidden_size = 4100 is not a multiple of num_attention_heads = 32");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("num_key_value_heads", 12)),
                "num_attention_heads = 32 is not a multiple of num_key_value_heads = 12");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> {
            o.put("hidden_size", 4100);
            o.put("head_dim", 128);
        }), "hidden_size = 4100", "head_dim");
    }

    @Test
    void unsupportedFeaturesAreRefusedWithAReason() {
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("hidden_act", "gelu")),
                "hidden_act = 'gelu'", "SiLU");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("mlp_bias", true)), "mlp_bias");
        assertMentions(failure(ConfigSamples.QWEN25_05B,
                        o -> o.putObject("rope_scaling").put("type", "yarn").put("factor", 4.0)),
                "rope_scaling.rope_type = 'yarn'", "default, linear and llama3");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B,
                        o -> ((ObjectNode) o.get("rope_scaling")).remove("low_freq_factor")),
                "rope_scaling.low_freq_factor is missing");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("partial_rotary_factor", 0.5)),
                "partial_rotary_factor");
    }

    @Test
    void invalidJsonIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ModelConfigReader.parse("{\"model_type\": \"llama\",", "/m/config.json"));
        assertMentions(e, "not valid JSON");
    }
}
