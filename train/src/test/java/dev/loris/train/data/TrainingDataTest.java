package dev.loris.train.data;

import dev.loris.LorisException;
import dev.loris.model.decoder.Batch;
import dev.loris.model.tokenizer.Tokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** From a dataset file to batches, as the trainer uses it: stats, eval split, cache reuse, bad rows, resume. */
@Tag("tokenizer") // DJL's native tokenizers stay off the GPU machine
class TrainingDataTest {
    @TempDir
    Path cacheDir;

    private DataOptions chatml() {
        return DataOptions.defaults().withChatTemplate("chatml").withCacheDir(cacheDir);
    }

    private static List<Batch> all(TrainingData data, int epochs) {
        List<Batch> batches = new ArrayList<>();
        data.trainBatches(DataPosition.START, epochs).forEachRemaining(batches::add);
        return batches;
    }

    @Test
    void messagesToBatchesWithAHeldOutExample() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        try (TrainingData data = TrainingData.prepare(DataFixtures.path("sharegpt.jsonl"), qwen, chatml().withEvalCount(1))) {
            DataStats stats = data.stats();
            assertEquals(2, stats.rows());
            assertEquals(2, stats.examples());
            assertEquals("sharegpt", stats.formats().values().iterator().next());
            assertEquals("the chat template 'chatml'", stats.template());
            assertEquals(1, data.split().trainSize());
            assertEquals(1, data.split().evalSize());
            List<Batch> train = all(data, 1);
            assertEquals(1, train.size());
            List<Batch> eval = new ArrayList<>();
            data.evalBatches().forEach(eval::add);
            assertEquals(1, eval.size());
            assertTrue(train.getFirst().labelledTokens() > 0 && eval.getFirst().labelledTokens() > 0);
            assertEquals(stats.tokens(), train.getFirst().tokens() + eval.getFirst().tokens());
            assertEquals(stats.labelTokens(), train.getFirst().labelledTokens() + eval.getFirst().labelledTokens());
        }
    }

    @Test
    void theCacheIsReusedForTheSameFilesAndSettingsAndRebuiltOtherwise() throws IOException {
        Tokenizer qwen = Tokenizers.get("qwen3");
        Path folder;
        FileTime written;
        List<Batch> first;
        try (TrainingData data = TrainingData.prepare(DataFixtures.path("messages.jsonl"), qwen, chatml())) {
            folder = data.cache().folder();
            written = Files.getLastModifiedTime(folder.resolve("meta.json"));
            first = all(data, 2);
        }
        try (TrainingData again = TrainingData.prepare(DataFixtures.path("messages.jsonl"), qwen, chatml())) {
            assertEquals(folder, again.cache().folder());
            assertEquals(written, Files.getLastModifiedTime(folder.resolve("meta.json")), "not rebuilt");
            List<Batch> second = all(again, 2);
            for (int i = 0; i < first.size(); i++) {
                assertArrayEquals(first.get(i).ids(), second.get(i).ids());
            }
        }
        try (TrainingData other = TrainingData.prepare(DataFixtures.path("messages.jsonl"), qwen,
                chatml().withChatTemplate("qwen-2.5"))) {
            assertFalse(folder.equals(other.cache().folder()), "another template, another cache");
        }
        try (var listing = Files.list(cacheDir)) {
            assertTrue(listing.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial folder left");
        }
    }

    @Test
    void resumingInANewProcessFromTheCacheAndAPositionContinuesExactly() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        DataOptions options = chatml().withBatchSize(1).withMaxSeqLength(16).withSeed(5);
        List<Batch> straight;
        DataPosition saved;
        try (TrainingData data = TrainingData.prepare(DataFixtures.path("hf_dict"), qwen, options)) {
            BatchStream stream = data.trainBatches(DataPosition.START, 3);
            straight = new ArrayList<>();
            stream.next();
            saved = stream.position();
            stream.forEachRemaining(straight::add);
        }
        try (TrainingData resumed = TrainingData.prepare(DataFixtures.path("hf_dict"), qwen, options)) {
            BatchStream stream = resumed.trainBatches(saved, 3);
            for (Batch expected : straight) {
                Batch b = stream.next();
                assertArrayEquals(expected.ids(), b.ids());
                assertArrayEquals(expected.labels(), b.labels());
            }
            assertFalse(stream.hasNext());
        }
    }

    @Test
    void badRowsStopWithFileAndLineOrAreSkippedAndCounted() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        BadRowException stop = assertThrows(BadRowException.class,
                () -> TrainingData.prepare(DataFixtures.path("bad.jsonl"), qwen, chatml()).close());
        assertTrue(stop.getMessage().contains("bad.jsonl line 2"), stop.getMessage());
        try (TrainingData data = TrainingData.prepare(DataFixtures.path("bad.jsonl"), qwen, chatml().withSkipBadRows(true))) {
            DataStats stats = data.stats();
            assertEquals(5, stats.rows());
            assertEquals(3, stats.skippedRows());
            assertEquals(2, stats.examples());
            assertTrue(stats.skippedExamples().getFirst().contains("bad.jsonl line 2"), stats.skippedExamples().toString());
        }
    }

    @Test
    void rawTextNeedsNoTemplateAndCountsEmptyRows() {
        Tokenizer llama2 = Tokenizers.get("llama2"); // has no chat template: a text dataset must not ask for one
        try (TrainingData data = TrainingData.prepare(DataFixtures.path("text.jsonl"), llama2,
                DataOptions.defaults().withCacheDir(cacheDir))) {
            DataStats stats = data.stats();
            assertEquals(3, stats.rows());
            assertEquals(1, stats.emptyRows());
            assertEquals(2, stats.examples());
            assertNull(stats.template());
            assertEquals(stats.tokens() - 2, stats.labelTokens(), "every token but each sequence's first is a label");
        }
        LorisException noTemplate = assertThrows(LorisException.class,
                () -> TrainingData.prepare(DataFixtures.path("alpaca.jsonl"), llama2, DataOptions.defaults()).close());
        assertTrue(noTemplate.getMessage().contains("no chat template") && noTemplate.hint().contains("chatml"),
                noTemplate.userMessage());
    }

    @Test
    void everyFileFormatGivesTheSameExamples() {
        Tokenizer qwen = Tokenizers.get("qwen3");
        List<List<Integer>> expected = null;
        for (String file : List.of("messages.parquet", "hf_messages")) {
            try (TrainingData data = TrainingData.prepare(DataFixtures.path(file), qwen, chatml())) {
                List<List<Integer>> lengths = new ArrayList<>();
                for (int e = 0; e < data.cache().size(); e++) {
                    lengths.add(List.of(data.cache().length(e), data.cache().labelCount(e)));
                }
                assertEquals(3, lengths.size(), file);
                if (expected != null) {
                    assertEquals(expected, lengths, file);
                }
                expected = lengths;
            }
        }
        try (TrainingData csv = TrainingData.prepare(DataFixtures.path("alpaca.csv"), qwen, chatml());
             TrainingData json = TrainingData.prepare(DataFixtures.path("alpaca.json"), qwen, chatml())) {
            assertArrayEquals(json.cache().example(0).ids(), csv.cache().example(0).ids());
            assertArrayEquals(json.cache().example(1).ids(), csv.cache().example(1).ids());
        }
    }

    @Test
    void truncatedRowsAreCountedAndRowsLeftWithoutLabelsKeptOut(@TempDir Path dir) throws IOException {
        Tokenizer qwen = Tokenizers.get("qwen3");
        Path file = dir.resolve("long.jsonl");
        Files.writeString(file, """
                {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}
                {"messages": [{"role": "user", "content": "Tell me a very long story about a dragon and a knight who met on a bridge"}, {"role": "assistant", "content": "Once upon a time."}]}
                """);
        try (TrainingData data = TrainingData.prepare(file, qwen, chatml().withMaxSeqLength(14))) {
            assertEquals(1, data.stats().truncatedRows());
            assertEquals(1, data.stats().unlabelledExamples(), "the long row lost its response");
            assertTrue(data.stats().firstUnlabelled().endsWith("long.jsonl line 2"), data.stats().firstUnlabelled());
            assertEquals(1, data.split().trainSize());
        }
    }

    @Test
    void aDatasetWhoseEveryLabelIsMaskedFailsNamingTheTemplateAndARow(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}\n");
        LorisException e = assertThrows(LorisException.class,
                () -> TrainingData.prepare(file, Tokenizers.get("qwen3"), chatml()).close());
        assertTrue(e.getMessage().contains("'chatml'") && e.getMessage().contains("prompts.jsonl line 1"), e.getMessage());
        assertTrue(e.hint().contains("assistant turns"), e.hint());
    }

    @Test
    void theModelsOwnTemplateAndTemplateVariables() throws IOException {
        Path qwenFolder = dev.loris.model.TestResources.tokenizerFolder("qwen3");
        String template = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
                + "{% if add_generation_prompt %}<|im_start|>assistant\n{{ greeting }}{% endif %}";
        try (Tokenizer own = Tokenizer.fromJson(Files.readString(qwenFolder.resolve("tokenizer.json")),
                dev.loris.model.tokenizer.TokenizerConfig.parse("{\"eos_token\": \"<|im_end|>\"}", template, "own"),
                "own")) {
            DataOptions options = DataOptions.defaults().withTemplateVariables(Map.of("greeting", "Sure: "));
            EncodedExample e = new ExampleEncoder(own, options).encode(new Example.Chat(
                    List.of(Map.of("role", "user", "content", "Hi"), Map.of("role", "assistant", "content", "Sure: Yo")),
                    RowOrigin.line(Path.of("x.jsonl"), 0, 1)));
            List<String> trained = new ArrayList<>();
            for (int t = 0; t < e.ids().length; t++) {
                if (e.trained()[t]) {
                    trained.add(own.decode(new int[]{e.ids()[t]}, false));
                }
            }
            assertEquals(" Yo<|im_end|>\n", String.join("", trained),
                    "the generation prompt carries the variable, so the prompt ends after 'Sure: '; the token ' Yo' "
                            + "straddles that boundary and is trained, as transformers' assistant mask would");
        }
    }
}
