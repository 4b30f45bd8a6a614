package dev.loris.train.data;

import dev.loris.LorisException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file format read from the committed fixtures: fields as plain Java values and each row's origin
 * (line for JSON and CSV, row index for Parquet and Arrow).
 */
@Tag("tokenizer") // Arrow, Parquet, Jackson CSV and Jinjava stay home with the tokenizer libraries (gpu/bundle.sh)
class DatasetReadersTest {
    private static final Map<String, Object> TRANSLATE =
            Map.of("instruction", "Translate to English.", "input", "bonjour", "output", "hello");

    @Test
    void jsonLinesSkipBlankLinesAndNameTheirLines() {
        List<DataRow> rows = DataFixtures.rows("alpaca.jsonl");
        assertEquals(3, rows.size());
        assertEquals(TRANSLATE, rows.get(0).fields());
        assertEquals(List.of(1L, 2L, 4L), rows.stream().map(r -> r.origin().number()).toList());
        assertTrue(rows.get(2).origin().toString().endsWith("alpaca.jsonl line 4"), rows.get(2).origin().toString());
        assertNull(rows.get(2).fields().get("input"));
    }

    @Test
    void aJsonArrayIsReadElementByElementWithTheLineEachStartsOn() {
        List<DataRow> rows = DataFixtures.rows("alpaca.json");
        assertEquals(2, rows.size());
        assertEquals(TRANSLATE, rows.get(0).fields());
        assertEquals(List.of(2L, 7L), rows.stream().map(r -> r.origin().number()).toList());
    }

    @Test
    void gzipCompressedJsonLines(@TempDir Path dir) throws IOException {
        Path gz = dir.resolve("alpaca.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(Files.readAllBytes(DataFixtures.path("alpaca.jsonl")));
        }
        assertEquals(DataFixtures.rows("alpaca.jsonl").stream().map(DataRow::fields).toList(),
                DataFixtures.rows(gz).stream().map(DataRow::fields).toList());
    }

    @Test
    void aByteOrderMarkIsIgnored(@TempDir Path dir) throws IOException {
        Path lines = Files.writeString(dir.resolve("bom.jsonl"), "\uFEFF{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
        assertEquals(List.of("a", "b"), DataFixtures.rows(lines).stream().map(r -> r.fields().get("text")).toList());
        Path array = Files.writeString(dir.resolve("bom.json"), "\uFEFF [{\"text\": \"a\"}]");
        assertEquals(List.of("a"), DataFixtures.rows(array).stream().map(r -> r.fields().get("text")).toList());
    }

    @Test
    void csvWithQuotedMultiLineCellsAndEscapedQuotes() {
        List<DataRow> rows = DataFixtures.rows("text.csv");
        assertEquals(3, rows.size());
        assertEquals("Jumps over\nthe lazy dog, twice.", rows.get(1).fields().get("text"));
        assertEquals("She said \"hi\".", rows.get(2).fields().get("text"));
        assertEquals("1", rows.get(0).fields().get("id"), "CSV values are strings");
        assertEquals(List.of(2L, 3L, 5L), rows.stream().map(r -> r.origin().number()).toList());
        List<DataRow> alpaca = DataFixtures.rows("alpaca.csv");
        assertEquals(TRANSLATE, alpaca.get(0).fields());
        assertEquals("", alpaca.get(1).fields().get("input"));
    }

    @Test
    void aCsvRowWithTooManyValuesIsABadRowAndTheReaderGoesOn(@TempDir Path dir) throws IOException {
        Path csv = Files.writeString(dir.resolve("extra.csv"), "text\nfine\ntoo,many\nalso fine\n");
        List<Object> seen = new java.util.ArrayList<>();
        try (RowCursor rows = DatasetSource.open(csv, "train").rows()) {
            while (rows.hasNext()) {
                try {
                    seen.add(rows.next().fields().get("text"));
                } catch (BadRowException e) {
                    seen.add(e.getMessage());
                }
            }
        }
        assertEquals(3, seen.size(), seen.toString());
        assertEquals("fine", seen.get(0));
        assertTrue(seen.get(1).toString().contains("extra.csv line 3"), seen.get(1).toString());
        assertEquals("also fine", seen.get(2));
    }

    @Test
    void parquetWithEveryPageCodecPyarrowWrites() {
        List<Map<String, Object>> expected = null;
        for (String codec : List.of("none", "zstd", "gzip", "lz4")) {
            List<DataRow> rows = DataFixtures.rows("alpaca_" + codec + ".parquet");
            List<Map<String, Object>> fields = rows.stream().map(DataRow::fields).toList();
            assertEquals(4, rows.size(), codec);
            assertEquals(TRANSLATE, fields.get(0), codec);
            assertEquals(List.of(0L, 1L, 2L, 3L), rows.stream().map(r -> r.origin().number()).toList());
            if (expected != null) {
                assertEquals(expected, fields, codec);
            }
            expected = fields;
        }
    }

    @Test
    void parquetListsOfStructsBecomeListsOfMaps() {
        List<DataRow> rows = DataFixtures.rows("messages.parquet");
        assertEquals(3, rows.size());
        assertEquals(List.of(Map.of("role", "user", "content", "Hi"), Map.of("role", "assistant", "content", "Hello!")),
                rows.get(0).fields().get("messages"));
        assertEquals(5, ((List<?>) rows.get(1).fields().get("messages")).size());
    }

    @Test
    void huggingFaceSaveToDiskFolderThroughArrow() {
        List<DataRow> arrow = DataFixtures.rows("hf_messages");
        List<DataRow> parquet = DataFixtures.rows("messages.parquet");
        assertEquals(parquet.stream().map(DataRow::fields).toList(), arrow.stream().map(DataRow::fields).toList());
        assertTrue(arrow.get(2).origin().toString().endsWith("data-00000-of-00001.arrow row 2"));
    }

    @Test
    void datasetDictFoldersAreEnteredAtTheChosenSplit() {
        DatasetSource train = DatasetSource.open(DataFixtures.path("hf_dict"), "train");
        assertTrue(train.files().getFirst().toString().contains("train"));
        assertEquals(3, DataFixtures.rows(DataFixtures.path("hf_dict")).size());
        try (RowCursor test = DatasetSource.open(DataFixtures.path("hf_dict"), "test").rows()) {
            assertEquals("Add the numbers.", test.next().fields().get("instruction"));
        }
        LorisException missing = assertThrows(LorisException.class,
                () -> DatasetSource.open(DataFixtures.path("hf_dict"), "validation"));
        assertTrue(missing.getMessage().contains("'validation'") && missing.hint().contains("train, test"),
                missing.userMessage());
    }

    @Test
    void featherIsTheArrowFileFormat() {
        List<DataRow> rows = DataFixtures.rows("text.feather");
        assertEquals(List.of("The quick brown fox.", "Jumps over the lazy dog."),
                rows.stream().map(r -> r.fields().get("text")).toList());
    }

    @Test
    void hubStyleFoldersKeepTheChosenSplitsFiles(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.copy(DataFixtures.path("alpaca_none.parquet"), data.resolve("train-00000-of-00002.parquet"));
        Files.copy(DataFixtures.path("alpaca_zstd.parquet"), data.resolve("train-00001-of-00002.parquet"));
        Files.copy(DataFixtures.path("alpaca.jsonl"), data.resolve("test-00000-of-00001.jsonl"));
        Files.writeString(dir.resolve("README.md"), "# a dataset card");
        DatasetSource train = DatasetSource.open(dir, "train");
        assertEquals(List.of("train-00000-of-00002.parquet", "train-00001-of-00002.parquet"),
                train.files().stream().map(f -> f.getFileName().toString()).toList());
        assertEquals(8, DataFixtures.rows(dir).size());
        assertEquals(3, DataFixtures.rows(DatasetSource.open(dir, "test").files().getFirst()).size());
    }

    @Test
    void unknownExtensionsAndMissingPathsAreNamed(@TempDir Path dir) throws IOException {
        Path odd = Files.writeString(dir.resolve("data.xlsx"), "x");
        LorisException kind = assertThrows(LorisException.class, () -> DatasetSource.open(odd, "train"));
        assertTrue(kind.getMessage().contains("data.xlsx") && kind.hint().contains(".jsonl"), kind.userMessage());
        LorisException missing = assertThrows(LorisException.class,
                () -> DatasetSource.open(dir.resolve("nope.jsonl"), "train"));
        assertTrue(missing.getMessage().contains("nope.jsonl"), missing.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(LorisException.class, () -> DatasetSource.open(empty, "train"));
    }

    @Test
    void aTruncatedArrowFileIsOneClearError(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(DataFixtures.path("hf_messages/data-00000-of-00001.arrow"));
        Path cut = Files.write(dir.resolve("cut.arrow"), java.util.Arrays.copyOf(whole, whole.length / 2));
        LorisException e = assertThrows(LorisException.class, () -> DataFixtures.rows(cut));
        assertTrue(e.getMessage().contains("cut.arrow"), e.getMessage());
    }
}
