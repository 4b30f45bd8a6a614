package dev.loris.train.data;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.TestResources;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.TokenizerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The named chat templates render as transformers renders them (templates_rendered.json.gz, recorded by
 * make_data_fixtures.py with transformers' Jinja2 renderer), and the Gemma one is Gemma 3's own.
 */
@Tag("tokenizer") // Arrow, Parquet, Jackson CSV and Jinjava stay home with the tokenizer libraries (gpu/bundle.sh)
class ChatTemplatesTest {
    private static final TokenizerConfig SPECIAL =
            TokenizerConfig.parse("{\"bos_token\": \"<BOS>\", \"eos_token\": \"<EOS>\"}", null, "test");

    @Test
    void everyNamedTemplateRendersAsTransformers() throws IOException {
        List<Map<String, Object>> cases;
        try (InputStream in = new GZIPInputStream(DataFixtures.class.getResourceAsStream("/data/templates_rendered.json.gz"))) {
            cases = new ObjectMapper().readValue(in, new TypeReference<>() {
            });
        }
        assertEquals(ChatTemplates.NAMES.size() * 6, cases.size());
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("template");
            ChatTemplate template = new ChatTemplate(ChatTemplates.source(name), SPECIAL, name);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> messages = (List<Map<String, Object>>) c.get("messages");
            String rendered = template.renderMaps(messages, (Boolean) c.get("add_generation_prompt"), Map.of());
            assertEquals(c.get("rendered"), rendered, name + " " + messages);
        }
    }

    @Test
    void gemmaIsGemma3sOwnTemplate() throws IOException {
        String config = TestResources.gzipText("/tokenizers/gemma3/tokenizer_config.json.gz").orElseThrow();
        assertEquals(new ObjectMapper().readTree(config).get("chat_template").asText(), ChatTemplates.source("gemma"));
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        LorisException e = assertThrows(LorisException.class, () -> ChatTemplates.resolve("vicuna", null));
        assertTrue(e.getMessage().contains("'vicuna'"), e.getMessage());
        assertTrue(e.hint().contains("llama-3.1, chatml, qwen-2.5, mistral, gemma, phi-3, phi-4, alpaca"), e.hint());
    }
}
