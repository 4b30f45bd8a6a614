package dev.loris.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.model.TestResources;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.loris.model.tokenizer.RealTokenizers.quoted;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Small templates exercising the Python-isms of real chat templates (str methods, slices, namespace,
 * tojson, loop variables, whitespace control, CRLF sources), rendered by us and by transformers' own Jinja
 * environment (record_fixtures.py writes tokenizers/jinja_fixtures.json.gz): the same text, or for a
 * template that raises, a TokenizerException carrying the template's message.
 */
class JinjaCompatFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rendersLikeTransformersJinjaEnvironment() throws Exception {
        JsonNode fixture = JSON.readTree(TestResources.fixtureOrSkip("/tokenizers/jinja_fixtures.json.gz",
                RealTokenizers.SCRIPT));
        List<Map<String, Object>> messages = JSON.convertValue(fixture.get("messages"), List.class);
        TokenizerConfig config = TokenizerConfig.parse("{\"bos_token\": \"<s>\"}", null, "test");
        List<String> failures = new ArrayList<>();
        for (JsonNode c : fixture.get("cases")) {
            String template = c.get("template").asText();
            ChatTemplate chat = new ChatTemplate(template, config, "case");
            try {
                String rendered = chat.renderMaps(messages, true, Map.of());
                if (!c.has("rendered") || !c.get("rendered").asText().equals(rendered)) {
                    failures.add(quoted(template) + ": want " + (c.has("rendered") ? quoted(c.get("rendered").asText())
                            : c.get("error").asText()) + ", got " + quoted(rendered));
                }
            } catch (TokenizerException e) {
                String error = c.has("error") ? c.get("error").asText().replaceFirst("^\\w+: ", "") : null;
                if (error == null || !e.getMessage().contains(error)) {
                    failures.add(quoted(template) + ": failed with " + e.getMessage());
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + fixture.get("cases").size()
                + " templates render differently:\n  " + String.join("\n  ", failures));
    }
}
