package dev.loris.gguf.export;

import dev.loris.gguf.TinyModel;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.TokenizerConfig;
import dev.loris.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Ollama template pieces reproduce the Jinja template's rendering on conversations other than the ones
 * they were cut from, and the Modelfile carries FROM, TEMPLATE and the end-of-turn stops. (Ollama itself is
 * not run here: it is no npm package.)
 */
class ModelfileTest {
    @TempDir
    Path dir;

    @Test
    void llama3TemplateTranslatesWithSystemPrompts() {
        Path folder = TinyModel.llama3().withWidths(64, 128).write(dir, 1);
        String text = Modelfile.text(folder, Path.of("out.gguf"));
        assertTrue(text.contains("FROM ./out.gguf\n"), text);
        assertTrue(text.contains("TEMPLATE \"\"\"{{- range $i, $_ := .Messages }}"), text);
        assertTrue(text.contains("<|start_header_id|>assistant<|end_header_id|>"), text);
        assertTrue(text.contains("PARAMETER stop \"<|eot_id|>\""), text);
        assertTrue(text.contains("PARAMETER stop \"<|end_of_text|>\""), text);
        checkAgainstJinja(folder, true);
    }

    @Test
    void qwen3TemplateTranslates() {
        Path folder = TinyModel.qwen3().withWidths(64, 128).write(dir, 1);
        String text = Modelfile.text(folder, Path.of("q.gguf"));
        assertTrue(text.contains("<|im_start|>assistant\n"), text);
        assertTrue(text.contains("PARAMETER stop \"<|im_end|>\""), text);
        checkAgainstJinja(folder, true);
    }

    /** Llama 2 chat's template (meta-llama/Llama-2-7b-chat-hf): BOS and [INST] every turn, <<SYS>> in the first. */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles"
            + " must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message"
            + " + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
            + "{% endfor %}";

    /** Mistral v0.3's template, tools left out: BOS once, the system prompt folded into the last user turn. */
    static final String MISTRAL = "{%- if messages[0][\"role\"] == \"system\" %}{%- set system_message ="
            + " messages[0][\"content\"] %}{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages ="
            + " messages %}{%- endif %}{{- bos_token }}{%- for message in loop_messages %}"
            + "{%- if message[\"role\"] == \"user\" %}{%- if loop.last and system_message is defined %}"
            + "{{- \"[INST] \" + system_message + \"\\n\\n\" + message[\"content\"] + \"[/INST]\" }}{%- else %}"
            + "{{- \"[INST] \" + message[\"content\"] + \"[/INST]\" }}{%- endif %}"
            + "{%- elif message[\"role\"] == \"assistant\" %}{{- \" \" + message[\"content\"]|trim + eos_token}}"
            + "{%- else %}{{- raise_exception(\"Only user and assistant roles are supported!\") }}{%- endif %}"
            + "{%- endfor %}";

    /**
     * [INST]-style templates translate too: the system prompt folded into the first (Llama 2) or last (Mistral)
     * user turn through Ollama's $.System, Mistral's " " before a written answer kept apart from its empty
     * generation prompt; the pieces render what Jinja renders, with and without a system prompt.
     */
    @Test
    void instTemplatesFoldTheSystemPromptIntoAUserTurn() {
        TokenizerConfig tokens = TokenizerConfig.parse("{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}", null, "test");
        for (String[] named : new String[][] {{"llama2", LLAMA2, "FIRST_USER"}, {"mistral", MISTRAL, "LAST_USER"}}) {
            ChatTemplate jinja = new ChatTemplate(named[1], tokens, named[0]);
            OllamaTemplate pieces = OllamaTemplate.translate(jinja, "<s>").orElseThrow(() -> new AssertionError(named[0]));
            assertEquals(OllamaTemplate.SystemPlacement.valueOf(named[2]), pieces.systemPlacement(), named[0]);
            assertMatchesJinja(jinja, pieces, true);
            String go = pieces.goTemplate();
            assertTrue(go.contains("{{ $.System }}") && go.contains("[INST] "), go);
        }
    }

    @Test
    void modelWithoutTemplateSaysSo() {
        Path folder = TinyModel.mistral().withWidths(64, 128).write(dir, 1);
        String text = Modelfile.text(folder, Path.of("m.gguf"));
        assertTrue(text.contains("no chat template"), text);
        assertTrue(text.contains("PARAMETER stop \"</s>\""), text);
    }

    private static void checkAgainstJinja(Path folder, boolean system) {
        try (Tokenizer tokenizer = Tokenizer.load(folder)) {
            var jinja = tokenizer.chatTemplate().orElseThrow();
            OllamaTemplate pieces = OllamaTemplate.translate(jinja, tokenizer.specialToken("bos_token").orElse(null))
                    .orElseThrow();
            assertEquals(system, pieces.supportsSystem());
            assertMatchesJinja(jinja, pieces, system);
        }
    }

    private static void assertMatchesJinja(ChatTemplate jinja, OllamaTemplate pieces, boolean system) {
        List<ChatMessage> talk = List.of(ChatMessage.system("Be brief; answer in French."),
                ChatMessage.user("What is 2+2?\nExplain."), ChatMessage.assistant("4, because 2 and 2 make 4."),
                ChatMessage.user("Merci !"));
        if (system) {
            assertEquals(jinja.render(talk, true), pieces.render(talk, true));
            assertEquals(jinja.render(talk.subList(0, 2), true), pieces.render(talk.subList(0, 2), true));
        }
        assertEquals(jinja.render(talk.subList(1, 4), false), pieces.render(talk.subList(1, 4), false));
        assertEquals(jinja.render(talk.subList(1, 2), true), pieces.render(talk.subList(1, 2), true));
    }
}
