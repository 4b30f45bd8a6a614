package dev.loris.model.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real chat templates rendering one conversation each, against texts written out by hand from the
 * templates; the template's own raise_exception; a tokenizer without a template.
 */
class ChatTemplateTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are terse."), ChatMessage.user("Hi!"),
            ChatMessage.assistant("Hello."), ChatMessage.user("2+2?"));

    private static String render(String name, boolean generationPrompt) {
        return RealTokenizers.get(name).chatTemplate().orElseThrow().render(CONVERSATION, generationPrompt);
    }

    @Test
    void llama3() {
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", render("llama3", false),
                "this Llama 3 template adds the assistant header whatever add_generation_prompt says");
    }

    @Test
    void qwen3WithAndWithoutGenerationPromptAndThinkingSwitchedOff() {
        String turns = "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n";
        assertEquals(turns, render("qwen3", false));
        assertEquals(turns + "<|im_start|>assistant\n", render("qwen3", true));
        ChatTemplate template = RealTokenizers.get("qwen3").chatTemplate().orElseThrow();
        assertEquals(turns + "<|im_start|>assistant\n<think>\n\n</think>\n\n", template.renderMaps(
                CONVERSATION.stream().map(ChatMessage::asMap).toList(), true, Map.of("enable_thinking", false)));
    }

    @Test
    void qwen3KeepsTheReasoningOfTheLastAnswerOnly() {
        ChatTemplate template = RealTokenizers.get("qwen3").chatTemplate().orElseThrow();
        String rendered = template.render(List.of(ChatMessage.user("a"),
                ChatMessage.assistant("<think>\nold\n</think>\n\nA"), ChatMessage.user("b"),
                ChatMessage.assistant("<think>\nnew\n</think>\n\nB")), false);
        assertEquals("<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
                + "<|im_start|>user\nb<|im_end|>\n<|im_start|>assistant\n<think>\nnew\n</think>\n\nB<|im_end|>\n", rendered);
    }

    @Test
    void gemma3FoldsTheSystemPromptIntoTheFirstUserTurn() {
        assertEquals("<bos><start_of_turn>user\nYou are terse.\n\nHi!<end_of_turn>\n"
                + "<start_of_turn>model\nHello.<end_of_turn>\n<start_of_turn>user\n2+2?<end_of_turn>\n"
                + "<start_of_turn>model\n", render("gemma3", true));
    }

    @Test
    void aTemplatesRaiseExceptionBecomesATokenizerExceptionWithItsMessage() {
        ChatTemplate template = RealTokenizers.get("gemma3").chatTemplate().orElseThrow();
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> template.render(List.of(ChatMessage.user("one"), ChatMessage.user("two")), false));
        assertTrue(e.getMessage().contains("Conversation roles must alternate user/assistant/user/assistant/..."),
                e.getMessage());
    }

    @Test
    void llama2HasNoTemplate() {
        assertTrue(RealTokenizers.get("llama2").chatTemplate().isEmpty());
    }
}
