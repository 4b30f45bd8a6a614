package dev.loris.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Generator;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Exact-match accuracy of a model's greedy answers on held-out conversations: each conversation's last message
 * is the assistant's expected answer, the messages before it are the prompt. The prompt is rendered with the
 * chat template and its generation prompt (as {@code loris generate} does), answered greedily until a stop id
 * or {@code maxNewTokens}, decoded without special tokens, and counted correct when it equals the expected
 * answer after trimming whitespace at both ends. Questions are generated in batches of several prompts.
 *
 * <p>Limits: one expected answer per question (no alternatives, no normalisation beyond trimming).
 */
public final class ExactMatchEvaluation {
    private ExactMatchEvaluation() {
    }

    /** A prompt (the conversation so far) and the answer the model should give. */
    public record Question(List<ChatMessage> prompt, String expected) {
        public Question {
            prompt = List.copyOf(prompt);
            if (prompt.isEmpty()) {
                throw new LorisException("a question needs at least one prompt message", "add the user's message");
            }
        }
    }

    /** The score, with every answer as decoded (in question order). */
    public record Result(int correct, List<String> answers) {
        public Result {
            answers = List.copyOf(answers);
        }

        public int total() {
            return answers.size();
        }

        /** The fraction answered exactly; 0 for no question. */
        public double accuracy() {
            return answers.isEmpty() ? 0 : (double) correct / answers.size();
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d/%d exact (%.1f%%)", correct, total(), 100 * accuracy());
        }
    }

    /**
     * The questions of a JSONL file of chat rows ({@code {"messages": [{"role", "content"}, ...]}}), each ending
     * with the assistant's answer.
     */
    public static List<Question> read(Path jsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new LorisException(jsonl + " does not exist", "give a JSONL file of held-out conversations", e);
        } catch (IOException e) {
            throw new LorisException("cannot read " + jsonl + ": " + e.getMessage(), "check the file", e);
        }
        ObjectMapper json = new ObjectMapper();
        List<Question> questions = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                questions.add(question(json, lines.get(i), jsonl + ":" + (i + 1)));
            }
        }
        if (questions.isEmpty()) {
            throw new LorisException(jsonl + " holds no conversation", "write one {\"messages\": [...]} row per line");
        }
        return questions;
    }

    private static Question question(ObjectMapper json, String line, String where) {
        JsonNode messages;
        try {
            messages = json.readTree(line).path("messages");
        } catch (JsonProcessingException e) {
            throw new LorisException(where + " is not valid JSON: " + e.getOriginalMessage(), "fix that line", e);
        }
        if (!messages.isArray() || messages.size() < 2) {
            throw new LorisException(where + " has no \"messages\" list of at least two messages",
                    "write {\"messages\": [{\"role\": \"user\", ...}, {\"role\": \"assistant\", ...}]}");
        }
        List<ChatMessage> all = new ArrayList<>();
        for (JsonNode m : messages) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new LorisException(where + ": every message needs a string role and content, found " + m,
                        "fix that line");
            }
            all.add(new ChatMessage(m.get("role").textValue(), m.get("content").textValue()));
        }
        ChatMessage last = all.getLast();
        if (!last.role().equals("assistant")) {
            throw new LorisException(where + ": the last message is the " + last.role() + "'s, not the expected answer",
                    "end each held-out conversation with the assistant's answer");
        }
        return new Question(all.subList(0, all.size() - 1), last.content());
    }

    /**
     * Answers every question greedily, {@code batchSize} prompts at a time, stopping at {@code stopIds} or after
     * {@code maxNewTokens}, and scores the answers.
     */
    public static Result evaluate(Decoder decoder, Tokenizer tokenizer, ChatTemplate template, List<Question> questions,
                                  Set<Integer> stopIds, int maxNewTokens, int batchSize) {
        if (batchSize < 1) {
            throw new LorisException("the evaluation batch size is " + batchSize, "use 1 or more prompts per batch");
        }
        Generator generator = new Generator(decoder);
        List<String> answers = new ArrayList<>();
        int correct = 0;
        for (int from = 0; from < questions.size(); from += batchSize) {
            List<Question> batch = questions.subList(from, Math.min(questions.size(), from + batchSize));
            List<int[]> prompts = new ArrayList<>();
            for (Question q : batch) {
                // The template writes any special tokens itself, as apply_chat_template tokenizes.
                prompts.add(tokenizer.encode(template.render(q.prompt(), true), false));
            }
            List<int[]> outputs = generator.generate(prompts, maxNewTokens, SamplingSettings.GREEDY, stopIds, null);
            for (int i = 0; i < batch.size(); i++) {
                String answer = tokenizer.decode(outputs.get(i), true).strip();
                answers.add(answer);
                if (answer.equals(batch.get(i).expected().strip())) {
                    correct++;
                }
            }
        }
        return new Result(correct, answers);
    }

    /** Enough new tokens for the longest expected answer and its stop token, with a little room to go wrong. */
    public static int maxNewTokensFor(Tokenizer tokenizer, List<Question> questions) {
        int longest = 0;
        for (Question q : questions) {
            longest = Math.max(longest, tokenizer.encode(q.expected(), false).length);
        }
        return longest + 4;
    }
}
