package dev.loris.gguf.export;

import dev.loris.gguf.TinyModel;
import dev.loris.model.tokenizer.ChatMessage;
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
            List<ChatMessage> talk = List.of(ChatMessage.system("Be brief; answer in French."),
                    ChatMessage.user("What is 2+2?\nExplain."), ChatMessage.assistant("4, because 2 and 2 make 4."),
                    ChatMessage.user("Merci !"));
            assertEquals(jinja.render(talk, true), pieces.render(talk, true));
            assertEquals(jinja.render(talk.subList(1, 4), false), pieces.render(talk.subList(1, 4), false));
            assertEquals(jinja.render(talk.subList(1, 2), true), pieces.render(talk.subList(1, 2), true));
        }
    }
}
