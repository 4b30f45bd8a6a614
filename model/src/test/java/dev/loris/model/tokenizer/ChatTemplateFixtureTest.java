package dev.loris.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.loris.model.tokenizer.RealTokenizers.ids;
import static dev.loris.model.tokenizer.RealTokenizers.quoted;

/**
 * Chat templates of the real tokenizers rendered by us against transformers'
 * apply_chat_template(tokenize=False) for the recorded conversations (with and without
 * add_generation_prompt): the same text, or the same raise_exception message; and the rendered text
 * tokenized without special tokens gives the recorded ids. Skipped until record_fixtures.py has run.
 */
class ChatTemplateFixtureTest {
    static final List<String> WITH_TEMPLATES = List.of("llama3", "qwen3", "gemma3");
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @FieldSource("WITH_TEMPLATES")
    void rendersEveryRecordedConversationLikeTransformers(String name) throws Exception {
        JsonNode fixture = RealTokenizers.fixture(name);
        Tokenizer tokenizer = RealTokenizers.get(name);
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
        List<String> failures = new ArrayList<>();
        for (JsonNode chat : fixture.get("chats")) {
            List<Map<String, Object>> messages = JSON.convertValue(chat.get("messages"), List.class);
            boolean generation = chat.get("add_generation_prompt").asBoolean();
            String label = chat.get("messages") + " gen=" + generation;
            String rendered;
            try {
                rendered = template.renderMaps(messages, generation, Map.of());
            } catch (TokenizerException e) {
                if (!chat.has("error") || !e.getMessage().contains(chat.get("error").asText().replaceFirst("^\\w+: ", ""))) {
                    failures.add(label + ": we failed with " + e.getMessage());
                }
                continue;
            }
            if (chat.has("error")) {
                failures.add(label + ": transformers failed with " + chat.get("error").asText() + ", we rendered " + quoted(rendered));
            } else if (!chat.get("rendered").asText().equals(rendered)) {
                failures.add(label + ": want " + quoted(chat.get("rendered").asText()) + ", got " + quoted(rendered));
            } else if (!Arrays.equals(ids(chat.get("ids")), tokenizer.encode(rendered, false))) {
                failures.add(label + ": ids differ");
            }
        }
        TokenizerFixtureTest.report(name, "chat renders", fixture.get("chats").size(), failures);
    }
}
