package dev.loris.train;

import dev.loris.LorisException;
import dev.loris.cli.TinyByteLevelModel;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Generator;
import dev.loris.model.decoder.Precision;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.model.generate.StopTokens;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.ExactMatchEvaluation.Question;
import dev.loris.train.ExactMatchEvaluation.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact-match scoring of greedy answers, on the tiny random qwen3 model with a byte-level tokenizer (JVM). */
class ExactMatchEvaluationTest {

    @Test
    void answersAreTheGreedyContinuationsAndAreScoredExactly(@TempDir Path dir) throws IOException {
        Path model = TinyByteLevelModel.write(dir.resolve("model"));
        try (Tokenizer tokenizer = Tokenizer.load(model); Accelerator acc = Accelerator.open("jvm");
             Decoder decoder = Decoder.open(model, acc, Precision.F32)) {
            ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
            Set<Integer> stops = StopTokens.of(model, decoder.config(), tokenizer);
            List<Question> unknown = new ArrayList<>();
            for (String prompt : List.of("12+7", "abc", "Hello there", "2024-01-31", "x")) {
                unknown.add(new Question(List.of(ChatMessage.user(prompt)), "?"));
            }
            Result first = ExactMatchEvaluation.evaluate(decoder, tokenizer, template, unknown, stops, 6, 2);
            assertEquals(5, first.total());

            // Each answer is what the generator gives for that prompt alone, decoded without special tokens.
            for (int i = 0; i < unknown.size(); i++) {
                int[] ids = tokenizer.encode(template.render(unknown.get(i).prompt(), true), false);
                int[] out = new Generator(decoder).generate(List.of(ids), 6, SamplingSettings.GREEDY, stops, null).get(0);
                assertEquals(tokenizer.decode(out, true).strip(), first.answers().get(i), "answer " + i);
            }

            // Expected answers equal to the model's (padded with spaces) count; altered ones do not.
            List<Question> scored = new ArrayList<>();
            for (int i = 0; i < unknown.size(); i++) {
                String answer = first.answers().get(i);
                scored.add(new Question(unknown.get(i).prompt(), i % 2 == 0 ? " " + answer + "\n" : answer + "!"));
            }
            Result second = ExactMatchEvaluation.evaluate(decoder, tokenizer, template, scored, stops, 6, 2);
            assertEquals(3, second.correct());
            assertEquals(0.6, second.accuracy(), 1e-12);
            assertEquals(first.answers(), second.answers());
        }
    }

    @Test
    void readsHeldOutConversationsEndingWithTheAnswer(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("eval.jsonl");
        Files.writeString(file, """
                {"messages": [{"role": "user", "content": "Write 2023-04-07 in words."}, {"role": "assistant", "content": "7 April 2023"}]}

                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
                """);
        List<Question> questions = ExactMatchEvaluation.read(file);
        assertEquals(2, questions.size());
        assertEquals(List.of(ChatMessage.user("Write 2023-04-07 in words.")), questions.get(0).prompt());
        assertEquals("7 April 2023", questions.get(0).expected());
        assertEquals(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi")), questions.get(1).prompt());
        assertEquals("Hello", questions.get(1).expected());
    }

    @Test
    void aConversationWithoutAnAnswerIsRefusedNamingItsLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("eval.jsonl");
        Files.writeString(file, """
                {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}
                {"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "b"}]}
                """);
        LorisException e = assertThrows(LorisException.class, () -> ExactMatchEvaluation.read(file));
        assertTrue(e.getMessage().contains(file + ":2"), e.getMessage());
        assertTrue(e.getMessage().contains("not the expected answer"), e.getMessage());
    }
}
