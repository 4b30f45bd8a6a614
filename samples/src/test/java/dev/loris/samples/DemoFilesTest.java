package dev.loris.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.model.config.ModelConfig;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.train.ExactMatchEvaluation;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled tiny model's files (demo/model) as Loris reads them, and the bundled dates dataset (demo/data):
 * the tokenizer made by demo/scripts/train_tokenizer.py loads through DJL's tokenizers, round-trips text,
 * splits digits one by one and renders ChatML; the dataset's answers are right and its held-out dates unseen.
 */
class DemoFilesTest {
    static final Path DEMO = Path.of("..", "demo").toAbsolutePath().normalize();
    static final Path MODEL = DEMO.resolve("model");

    @Test
    void theTokenizerRoundTripsTextAndKeepsDigitsApart() {
        try (Tokenizer tokenizer = Tokenizer.load(MODEL)) {
            assertEquals(4096, tokenizer.vocabSize());
            for (String text : List.of("The \"assert\" statement\n\n   assert_stmt ::= \"assert\" expression",
                    "Convert the date 1938-05-04 to words.", "  indented\tand tabbed\r\nlines  ",
                    "naïve café, Grüße, 日本語, emoji \uD83E\uDD99 and a zero-width\u200Djoiner", "")) {
                int[] ids = tokenizer.encode(text, true);
                assertEquals(text, tokenizer.decode(ids, false), "round trip of " + text);
            }
            int[] date = tokenizer.encode("2023-04-07", false);
            assertEquals(10, date.length, "one token per digit and per dash");
            assertTrue(tokenizer.encode("the function", false).length <= 2, "merges were learned");
            for (String special : List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>")) {
                int[] ids = tokenizer.encode(special, false);
                assertEquals(1, ids.length, special);
                assertTrue(tokenizer.isSpecial(ids[0]), special);
                assertEquals("", tokenizer.decode(ids, true));
            }
            assertEquals(4093, tokenizer.specialTokenId("eos_token").orElseThrow());
        }
    }

    @Test
    void theChatTemplateRendersChatMl() {
        try (Tokenizer tokenizer = Tokenizer.load(MODEL)) {
            List<ChatMessage> chat = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
                    ChatMessage.assistant("Hello"));
            String rendered = tokenizer.chatTemplate().orElseThrow().render(chat, false);
            assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                    + "<|im_start|>assistant\nHello<|im_end|>\n", rendered);
            String prompt = tokenizer.chatTemplate().orElseThrow().render(chat.subList(1, 2), true);
            assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt);
            int[] ids = tokenizer.encode(prompt, false);
            assertEquals(4094, ids[0]);
            assertEquals(prompt, tokenizer.decode(ids, false));
        }
    }

    @Test
    void theConfigIsASmallLlamaMatchingTheTokenizer() throws IOException {
        ModelConfig config = ModelConfig.read(MODEL);
        try (Tokenizer tokenizer = Tokenizer.load(MODEL)) {
            assertEquals(tokenizer.vocabSize(), config.vocabSize());
            assertTrue(config.eosTokenIds().contains(tokenizer.tokenToId("<|im_end|>").orElseThrow()));
            assertTrue(config.eosTokenIds().contains(tokenizer.tokenToId("<|endoftext|>").orElseThrow()));
        }
        long parameters = (long) config.vocabSize() * config.hiddenSize() + config.numHiddenLayers()
                * ((long) config.hiddenSize() * config.headDim() * (2L * config.numAttentionHeads()
                + 2L * config.numKeyValueHeads()) + 3L * config.hiddenSize() * config.intermediateSize());
        assertTrue(parameters < 10_000_000 && parameters * 4 < 40L << 20, parameters + " parameters");
        JsonNode json = new ObjectMapper().readTree(MODEL.resolve("config.json").toFile());
        assertEquals("llama", json.get("model_type").asText());
    }

    @Test
    void theDatesDatasetAnswersAreRightAndItsHeldOutDatesUnseen() {
        Pattern iso = Pattern.compile("(\\d{4})-(\\d{2})-(\\d{2})");
        DateTimeFormatter words = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH);
        Set<LocalDate> trained = new HashSet<>();
        for (String split : List.of("train", "eval")) {
            List<ExactMatchEvaluation.Question> questions =
                    ExactMatchEvaluation.read(DEMO.resolve("data/dates-" + split + ".jsonl"));
            assertEquals(split.equals("train") ? 2000 : 200, questions.size());
            for (ExactMatchEvaluation.Question q : questions) {
                Matcher m = iso.matcher(q.prompt().getLast().content());
                assertTrue(m.find(), q.prompt().toString());
                LocalDate date = LocalDate.parse(m.group());
                assertEquals(date.format(words), q.expected());
                if (split.equals("train")) {
                    trained.add(date);
                } else {
                    assertFalse(trained.contains(date), date + " is both trained on and held out");
                }
            }
        }
    }

    @Test
    void theScriptsAndTheirCommandsAreCommitted() throws IOException {
        String readme = Files.readString(DEMO.resolve("README.md"));
        for (String script : List.of("make_corpus.py", "train_tokenizer.py", "make_dates.py", "init_model.py")) {
            assertTrue(Files.isRegularFile(DEMO.resolve("scripts").resolve(script)), script);
            assertTrue(readme.contains("python3 demo/scripts/" + script), "README gives the command of " + script);
        }
    }
}
