package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Responses-only masks on real tokenizers, against spans computed by hand: the conversation is written out as
 * prompt and response pieces (the text each template renders), each piece tokenized on its own; where the
 * pieces' tokens concatenate to the whole rendering's tokens, the mask must be exactly "false on prompt pieces,
 * true on response pieces". Where a boundary falls inside a token the decoded trained text is checked.
 */
@Tag("tokenizer") // DJL's native tokenizers stay off the GPU machine
class ResponsesOnlyMaskTest {
    private static final RowOrigin ROW = RowOrigin.line(Path.of("chat.jsonl"), 0, 7);
    private static final String LLAMA_SYSTEM = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";

    private static List<Map<String, Object>> chat(String... roleContent) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            messages.add(Map.of("role", roleContent[i], "content", roleContent[i + 1]));
        }
        return messages;
    }

    private static EncodedExample encode(Tokenizer tokenizer, String template, List<Map<String, Object>> messages) {
        DataOptions options = DataOptions.defaults().withChatTemplate(template);
        return new ExampleEncoder(tokenizer, options).encode(new Example.Chat(messages, ROW));
    }

    /** Pieces alternate prompt, response, prompt, response, ... */
    private static void assertSpans(Tokenizer tokenizer, EncodedExample encoded, String... pieces) {
        List<Integer> ids = new ArrayList<>();
        List<Boolean> mask = new ArrayList<>();
        for (int p = 0; p < pieces.length; p++) {
            for (int id : tokenizer.encode(pieces[p], false)) {
                ids.add(id);
                mask.add(p % 2 == 1);
            }
        }
        assertEquals(String.join("", pieces), tokenizer.decode(encoded.ids(), false), "the rendering");
        assertArrayEquals(ids.stream().mapToInt(Integer::intValue).toArray(), encoded.ids(),
                "the pieces tokenize as the whole does (clean boundaries)");
        boolean[] expected = new boolean[mask.size()];
        for (int t = 0; t < expected.length; t++) {
            expected[t] = mask.get(t);
        }
        assertArrayEquals(expected, encoded.trained());
    }

    /** The trained tokens' text per contiguous span. */
    private static List<String> trainedTexts(Tokenizer tokenizer, EncodedExample encoded) {
        List<String> spans = new ArrayList<>();
        int t = 0;
        while (t < encoded.ids().length) {
            if (!encoded.trained()[t]) {
                t++;
                continue;
            }
            int start = t;
            while (t < encoded.ids().length && encoded.trained()[t]) {
                t++;
            }
            spans.add(tokenizer.decode(Arrays.copyOfRange(encoded.ids(), start, t), false));
        }
        return spans;
    }

    @Test
    void llama31MultiTurnWithASystemPrompt() {
        Tokenizer llama = Tokenizers.get("llama3");
        EncodedExample e = encode(llama, "llama-3.1",
                chat("system", "Be brief.", "user", "2+2?", "assistant", "4", "user", "And 3+3?", "assistant", "6"));
        assertSpans(llama, e,
                LLAMA_SYSTEM + "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                "4<|eot_id|>",
                "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                "6<|eot_id|>");
        assertEquals(4, e.labelCount());
        assertEquals(false, e.truncated());
    }

    @Test
    void chatmlOnQwen() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        EncodedExample e = encode(qwen, "chatml", chat("user", "Hi", "assistant", "Hello there!"));
        assertSpans(qwen, e, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "Hello there!<|im_end|>\n");
    }

    @Test
    void qwen25AddsItsDefaultSystemPrompt() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        EncodedExample e = encode(qwen, "qwen-2.5", chat("user", "Hi", "assistant", "Hello!"));
        assertSpans(qwen, e, "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "Hello!<|im_end|>\n");
    }

    @Test
    void qwen3sOwnTemplateRendersTheLastTurnDifferently() {
        // Qwen3's template gives the last assistant turn an empty think block that earlier turns do not have:
        // the first turn's rendering on its own is not a prefix of the whole, so its end comes from the
        // content probe and the closing tokens.
        Tokenizer qwen = Tokenizers.get("qwen3");
        EncodedExample e = encode(qwen, ChatTemplates.MODEL,
                chat("user", "2+2?", "assistant", "4", "user", "And 3+3?", "assistant", "6"));
        assertSpans(qwen, e,
                "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n",
                "4<|im_end|>\n",
                "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
                "<think>\n\n</think>\n\n6<|im_end|>\n");
    }

    @Test
    void gemmaOnGemma3() {
        Tokenizer gemma = Tokenizers.get("gemma3");
        EncodedExample e = encode(gemma, "gemma", chat("user", "Hi", "assistant", "Hello!", "user", "Bye", "assistant", "Bye!"));
        assertEquals(List.of("Hello!<end_of_turn>\n", "Bye!<end_of_turn>\n"), trainedTexts(gemma, e));
        assertTrue(gemma.decode(e.ids(), false).startsWith("<bos><start_of_turn>user\nHi<end_of_turn>\n"));
    }

    @Test
    void phi3EndsAFinishedConversationWithEos() {
        // Phi-3's template appends EOS only after the last turn: earlier turns end at <|end|>\n, the last
        // one trains EOS too (the model learns to stop). Qwen's tokenizer: EOS is <|im_end|>.
        Tokenizer qwen = Tokenizers.get("qwen3");
        EncodedExample e = encode(qwen, "phi-3", chat("user", "2+2?", "assistant", "4", "user", "And 3+3?", "assistant", "6"));
        assertEquals(List.of("4<|end|>\n", "6<|end|>\n<|im_end|>"), trainedTexts(qwen, e));
    }

    @Test
    void mistralOnASentencePieceTokenizer() {
        Tokenizer llama2 = Tokenizers.get("llama2");
        EncodedExample e = encode(llama2, "mistral", chat("user", "Hi", "assistant", "Hello!", "user", "Bye", "assistant", "Bye!"));
        List<String> spans = trainedTexts(llama2, e);
        assertEquals(2, spans.size(), spans.toString());
        assertEquals("Hello!</s>", spans.get(0).strip());
        assertEquals("Bye!</s>", spans.get(1).strip());
        int prompt = llama2.encode("<s> [INST] Hi [/INST]", false).length;
        assertTrue(!e.trained()[prompt - 1] && e.trained()[prompt], "the turn starts right after [/INST]");
    }

    @Test
    void alpacaRowsWithTheAlpacaTemplate() {
        Tokenizer llama = Tokenizers.get("llama3");
        DataRow row = DataFixtures.rows("alpaca.jsonl").getFirst();
        Example example = RowConverter.convert(row, DataFormat.ALPACA, "text");
        EncodedExample e = new ExampleEncoder(llama, DataOptions.defaults().withChatTemplate("alpaca")).encode(example);
        assertSpans(llama, e, "<|begin_of_text|>Below is an instruction that describes a task. Write a response that appropriately "
                        + "completes the request.\n\n### Instruction:\nTranslate to English.\n\n### Input:\nbonjour"
                        + "\n\n### Response:\n",
                "hello<|end_of_text|>");
    }

    @Test
    void withoutResponsesOnlyEveryTokenIsTrained() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        DataOptions options = DataOptions.defaults().withChatTemplate("chatml").withResponsesOnly(false);
        EncodedExample e = new ExampleEncoder(qwen, options)
                .encode(new Example.Chat(chat("user", "Hi", "assistant", "Hello!"), ROW));
        boolean[] all = new boolean[e.ids().length];
        Arrays.fill(all, true);
        assertArrayEquals(all, e.trained());
    }

    @Test
    void rawTextTrainsEveryTokenAndEndsWithEos() {
        Tokenizer llama2 = Tokenizers.get("llama2");
        EncodedExample e = new ExampleEncoder(llama2, DataOptions.defaults()).encode(new Example.Text("Hello world", ROW));
        int[] body = llama2.encode("Hello world", true);
        assertEquals(1, body[0], "llama2 adds BOS");
        int[] expected = Arrays.copyOf(body, body.length + 1);
        expected[body.length] = 2;
        assertArrayEquals(expected, e.ids());
        assertEquals(e.ids().length - 1, e.labelCount());
        EncodedExample noEos = new ExampleEncoder(llama2, DataOptions.defaults().withAppendEos(false))
                .encode(new Example.Text("Hello world", ROW));
        assertArrayEquals(body, noEos.ids());
    }

    @Test
    void truncationKeepsTheFirstTokensAndSaysSo() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        DataOptions options = DataOptions.defaults().withChatTemplate("chatml").withMaxSeqLength(8);
        EncodedExample e = new ExampleEncoder(qwen, options)
                .encode(new Example.Chat(chat("user", "Hi", "assistant", "Hello there, how are you today?"), ROW));
        assertEquals(8, e.ids().length);
        assertTrue(e.truncated());
        int[] whole = encode(qwen, "chatml", chat("user", "Hi", "assistant", "Hello there, how are you today?")).ids();
        assertArrayEquals(Arrays.copyOf(whole, 8), e.ids());
    }

    @Test
    void aTemplateThatRewritesEarlierTurnsIsRefusedNamingTemplateAndRow() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        // Prints the message count first, so no shorter conversation renders as a prefix of a longer one.
        ChatTemplate counting = new ChatTemplate("{{ messages|length }}{% for m in messages %}<{{ m.role }}>"
                + "{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}",
                qwen.config(), "test");
        AssistantSpans spans = new AssistantSpans(counting, "the chat template 'counting'", qwen, Map.of());
        LorisException e = assertThrows(LorisException.class,
                () -> spans.mask(chat("user", "Hi", "assistant", "Hello!"), ROW));
        assertTrue(e.getMessage().contains("'counting'") && e.getMessage().contains("chat.jsonl line 7"), e.getMessage());
        assertTrue(e.hint().contains("--chat-template"), e.hint());
    }

    @Test
    void aTemplateThatRefusesTheConversationIsABadRow() {
        Tokenizer gemma = Tokenizers.get("gemma3");
        BadRowException e = assertThrows(BadRowException.class,
                () -> encode(gemma, "gemma", chat("user", "Hi", "user", "Again", "assistant", "Hello!")));
        assertTrue(e.getMessage().contains("chat.jsonl line 7") && e.getMessage().contains("alternate"), e.getMessage());
    }

    @Test
    void aConversationWithoutAssistantTurnsHasNoLabels() {
        EncodedExample e = encode(Tokenizers.get("qwen3"), "chatml", chat("user", "Hi"));
        assertEquals(0, e.labelCount());
    }
}
