package dev.loris.train.data;

import dev.loris.LorisException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Format detection per file, the conversion of each format to examples, and bad rows named by file and line. */
@Tag("tokenizer") // Arrow, Parquet, Jackson CSV and Jinjava stay home with the tokenizer libraries (gpu/bundle.sh)
class RowFormatsTest {

    private static DataFormat detect(String file) {
        return FormatDetector.detect(DataFixtures.rows(file).getFirst(), "text");
    }

    private static Example convert(DataRow row) {
        return RowConverter.convert(row, FormatDetector.detect(row, "text"), "text");
    }

    @Test
    void eachFixtureIsDetected() {
        assertEquals(DataFormat.ALPACA, detect("alpaca.jsonl"));
        assertEquals(DataFormat.ALPACA, detect("alpaca.json"));
        assertEquals(DataFormat.ALPACA, detect("alpaca.csv"));
        assertEquals(DataFormat.ALPACA, detect("alpaca_zstd.parquet"));
        assertEquals(DataFormat.SHAREGPT, detect("sharegpt.jsonl"));
        assertEquals(DataFormat.MESSAGES, detect("messages.jsonl"));
        assertEquals(DataFormat.MESSAGES, detect("messages.parquet"));
        assertEquals(DataFormat.MESSAGES, detect("hf_messages"));
        assertEquals(DataFormat.TEXT, detect("text.jsonl"));
        assertEquals(DataFormat.TEXT, detect("text.csv"));
        assertEquals(DataFormat.TEXT, detect("text.feather"));
    }

    @Test
    void messagesStoredAsJsonTextAreDetectedAndParsed() {
        DataRow row = new DataRow(Map.of("messages",
                "[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"}]"),
                RowOrigin.line(java.nio.file.Path.of("chat.csv"), 0, 2));
        Example.Chat chat = assertInstanceOf(Example.Chat.class, convert(row));
        assertEquals("Yo", chat.messages().get(1).get("content"));
    }

    @Test
    void unknownColumnsNameTheFileTheFieldsAndTheFormats() {
        LorisException e = assertThrows(LorisException.class, () -> detect("unknown_columns.jsonl"));
        assertTrue(e.getMessage().contains("unknown_columns.jsonl line 1") && e.getMessage().contains("question"),
                e.getMessage());
        assertTrue(e.hint().contains("--format"), e.hint());
        LorisException format = assertThrows(LorisException.class, () -> DataFormat.parse("openai"));
        assertTrue(format.hint().contains("auto, text, alpaca, sharegpt, messages"), format.hint());
        assertEquals(DataFormat.SHAREGPT, DataFormat.parse(" ShareGPT "));
    }

    @Test
    void alpacaBecomesAUserAndAnAssistantTurn() {
        Example.Chat withInput = assertInstanceOf(Example.Chat.class, convert(DataFixtures.rows("alpaca.jsonl").get(0)));
        assertEquals(2, withInput.messages().size());
        assertEquals("Translate to English.\n\nbonjour", withInput.messages().get(0).get("content"));
        assertEquals("bonjour", withInput.messages().get(0).get("input"));
        assertEquals(Map.of("role", "assistant", "content", "hello"), withInput.messages().get(1));
        Example.Chat noInput = assertInstanceOf(Example.Chat.class, convert(DataFixtures.rows("alpaca.jsonl").get(2)));
        assertEquals("Count to three.", noInput.messages().get(0).get("content"));
    }

    @Test
    void shareGptRolesAreNormalisedAndItsSystemFieldLeads() {
        List<DataRow> rows = DataFixtures.rows("sharegpt.jsonl");
        Example.Chat first = assertInstanceOf(Example.Chat.class, convert(rows.get(0)));
        assertEquals(List.of(Map.of("role", "user", "content", "Hi"), Map.of("role", "assistant", "content", "Hello!")),
                first.messages());
        Example.Chat second = assertInstanceOf(Example.Chat.class, convert(rows.get(1)));
        assertEquals(List.of("system", "user", "assistant", "user", "assistant"),
                second.messages().stream().map(m -> m.get("role")).toList());
        assertEquals("Be brief.", second.messages().getFirst().get("content"));
    }

    @Test
    void messagesJoinTextPartsAndDropNullFields() {
        Example.Chat chat = assertInstanceOf(Example.Chat.class, convert(DataFixtures.rows("messages.jsonl").get(1)));
        assertEquals("Name a colour.", chat.messages().get(0).get("content"));
        assertEquals(Map.of("role", "assistant", "content", "Blue."), chat.messages().get(1),
                "a null field is dropped: templates test 'tool_calls' in message");
    }

    @Test
    void rawTextRowsAndEmptyOnes() {
        List<DataRow> rows = DataFixtures.rows("text.jsonl");
        assertEquals(new Example.Text("The quick brown fox.", rows.get(0).origin()), convert(rows.get(0)));
        assertNull(convert(rows.get(1)), "empty text is skipped (and counted), not an error");
    }

    @Test
    void malformedRowsNameFileLineAndProblemAndTheReaderGoesOn() {
        List<Object> seen = new java.util.ArrayList<>();
        try (RowCursor rows = DatasetSource.open(DataFixtures.path("bad.jsonl"), "train").rows()) {
            while (rows.hasNext()) {
                try {
                    DataRow row = rows.next();
                    seen.add(RowConverter.convert(row, DataFormat.ALPACA, "text"));
                } catch (BadRowException e) {
                    seen.add(e);
                }
            }
        }
        assertEquals(5, seen.size());
        assertInstanceOf(Example.Chat.class, seen.get(0));
        BadRowException broken = assertInstanceOf(BadRowException.class, seen.get(1));
        assertTrue(broken.getMessage().contains("bad.jsonl line 2") && broken.problem().contains("JSON object"),
                broken.getMessage());
        BadRowException missing = assertInstanceOf(BadRowException.class, seen.get(2));
        assertTrue(missing.getMessage().contains("bad.jsonl line 3") && missing.problem().contains("'output' is missing"),
                missing.getMessage());
        assertInstanceOf(Example.Chat.class, seen.get(3));
        BadRowException array = assertInstanceOf(BadRowException.class, seen.get(4));
        assertTrue(array.getMessage().contains("line 5"), array.getMessage());
        assertTrue(broken.hint().contains("--skip-bad-rows"), broken.hint());
    }

    @Test
    void badConversationRows() {
        List<DataRow> rows = DataFixtures.rows("bad_roles.jsonl");
        assertInstanceOf(Example.Chat.class, convert(rows.get(0)));
        BadRowException role = assertThrows(BadRowException.class,
                () -> RowConverter.convert(rows.get(1), DataFormat.MESSAGES, "text"));
        assertTrue(role.getMessage().contains("line 2") && role.problem().contains("'wizard'"), role.getMessage());
        BadRowException image = assertThrows(BadRowException.class,
                () -> RowConverter.convert(rows.get(2), DataFormat.MESSAGES, "text"));
        assertTrue(image.problem().contains("not text"), image.problem());
        BadRowException notList = assertThrows(BadRowException.class,
                () -> RowConverter.convert(rows.get(3), DataFormat.MESSAGES, "text"));
        assertTrue(notList.problem().contains("not a list"), notList.problem());
    }
}
