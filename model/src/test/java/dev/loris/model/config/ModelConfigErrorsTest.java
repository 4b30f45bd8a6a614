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
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("model_type", "phi4mm")),
                "phi4mm", "llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3, gemma3");
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
                "rope_scaling.rope_type = 'yarn'", "default, linear, llama3 and longrope");
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

    /** Issue 16: values that parse but no model can have are refused at reading, naming the key. */
    @Test
    void valuesOutOfRangeAreRefusedAtReading() {
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("head_dim", 127)), "head_dim = 127", "even");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("hidden_size", 2_000_000_000)),
                "hidden_size = 2000000000", "at most");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("num_hidden_layers", 1_000_000_000)),
                "num_hidden_layers = 1000000000", "at most");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("vocab_size", Integer.MAX_VALUE)),
                "vocab_size", "at most");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("intermediate_size", Integer.MAX_VALUE)),
                "intermediate_size", "at most");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("max_position_embeddings", Integer.MAX_VALUE)),
                "max_position_embeddings", "at most");
        String hugeEps = ConfigSamples.LLAMA_31_8B.replace("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 1e400");
        assertMentions(assertThrows(ConfigException.class, () -> ModelConfigReader.parse(hugeEps, "/m/config.json")),
                "rms_norm_eps");
        assertMentions(failure(ConfigSamples.LLAMA_31_8B, o -> o.put("rms_norm_eps", 2.0)), "rms_norm_eps");
        String tinyTheta = ConfigSamples.LLAMA_31_8B.replace("\"rope_theta\": 500000.0", "\"rope_theta\": 1e-320");
        assertMentions(assertThrows(ConfigException.class, () -> ModelConfigReader.parse(tinyTheta, "/m/config.json")),
                "rope_theta");
        String hugeTheta = ConfigSamples.LLAMA_31_8B.replace("\"rope_theta\": 500000.0", "\"rope_theta\": 1e400");
        assertMentions(assertThrows(ConfigException.class, () -> ModelConfigReader.parse(hugeTheta, "/m/config.json")),
                "rope_theta");
        String hugeFactor = ConfigSamples.LLAMA_31_8B.replace("\"high_freq_factor\": 4.0", "\"high_freq_factor\": 1e400");
        assertMentions(assertThrows(ConfigException.class, () -> ModelConfigReader.parse(hugeFactor, "/m/config.json")),
                "high_freq_factor");
    }

    /** Whatever passes the range checks, the counts info prints stay positive (no long overflow). */
    @Test
    void largestAcceptedShapeCountsWithoutOverflow() {
        ModelConfig c = ModelConfigReader.parse(edited(ConfigSamples.LLAMA_31_8B, o -> {
            o.put("hidden_size", (1 << 18));
            o.put("intermediate_size", (1 << 20));
            o.put("vocab_size", (1 << 24));
            o.put("num_hidden_layers", (1 << 12));
            o.put("num_attention_heads", (1 << 12));
            o.put("num_key_value_heads", (1 << 12));
            o.put("head_dim", (1 << 12));
        }), "/m/config.json");
        assertTrue(c.size().bytesAt(4) > 0 && c.size().total() > c.size().nonEmbedding(), c.size().toString());
    }
}
