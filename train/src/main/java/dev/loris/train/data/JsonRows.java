package dev.loris.train.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Rows of a JSON file, streamed with Jackson: JSON lines (one object per line, the format Hugging Face and
 * OpenAI use; blank lines ignored) or one top-level array of objects. Which one is decided by the first
 * character. Each row names its line, so a malformed row is reported as "file line N: ...".
 *
 * <p>Why Jackson and not Arrow's JSON reader: Arrow Java reads JSON only through arrow-dataset's JNI library,
 * which the Maven mirror Loris builds from does not serve; and its reader fails a whole file on one bad line,
 * where JSON lines can report the line and go on ({@code skipBadRows}). A syntax error inside a JSON array
 * cannot be stepped over: it ends the file with a LorisException whether or not bad rows are skipped.
 */
final class JsonRows implements RowCursor {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> ROW = new TypeReference<>() {
    };

    private final Path file;
    private final int fileIndex;
    private final BufferedReader lines; // JSON lines
    private final JsonParser array;     // or a JSON array
    private long lineNumber;
    private DataRow pending;
    private BadRowException pendingError;
    private boolean done;

    private JsonRows(Path file, int fileIndex, BufferedReader lines, JsonParser array) {
        this.file = file;
        this.fileIndex = fileIndex;
        this.lines = lines;
        this.array = array;
    }

    static JsonRows open(Path file, int fileIndex) {
        BufferedReader reader = TextFiles.open(file);
        try {
            reader.mark(1);
            if (reader.read() != '\uFEFF') {
                reader.reset(); // a byte-order mark is dropped, anything else read again
            }
            reader.mark(1 << 16);
            int first;
            do {
                first = reader.read();
            } while (first >= 0 && Character.isWhitespace(first));
            reader.reset();
            if (first == '[') {
                JsonParser parser = JSON.createParser(reader);
                parser.nextToken();
                return new JsonRows(file, fileIndex, null, parser);
            }
            if (first == '{' || first < 0) {
                return new JsonRows(file, fileIndex, reader, null);
            }
            reader.close();
            throw new LorisException(file + " is neither JSON lines nor a JSON array (it starts with '"
                    + (char) first + "')", "give one JSON object per line, or an array of objects");
        } catch (IOException e) {
            TextFiles.closeQuietly(reader);
            throw new LorisException("cannot read " + file + ": " + e.getMessage(), "check the file", e);
        }
    }

    @Override
    public boolean hasNext() {
        if (pending == null && pendingError == null && !done) {
            advance();
        }
        return pending != null || pendingError != null;
    }

    @Override
    public DataRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        if (pendingError != null) {
            BadRowException error = pendingError;
            pendingError = null;
            throw error;
        }
        DataRow row = pending;
        pending = null;
        return row;
    }

    private void advance() {
        try {
            if (lines != null) {
                advanceLine();
            } else {
                advanceArrayElement();
            }
        } catch (IOException e) {
            done = true;
            throw new LorisException("cannot read " + file + " after line " + lineNumber + ": " + e,
                    "the file must be UTF-8 text (gzip-compressed when it ends in .gz)", e);
        }
    }

    private void advanceLine() throws IOException {
        String line;
        do {
            line = lines.readLine();
            lineNumber++;
            if (line == null) {
                done = true;
                return;
            }
        } while (line.isBlank());
        RowOrigin origin = RowOrigin.line(file, fileIndex, lineNumber);
        try {
            pending = new DataRow(JSON.readValue(line, ROW), origin);
        } catch (JsonProcessingException e) {
            String what = line.strip().startsWith("{") ? "is not one complete JSON object: " + e.getOriginalMessage()
                    : "is not a JSON object";
            pendingError = new BadRowException(origin, "the line " + what
                    + (lineNumber == 1 ? " (a pretty-printed JSON object is not JSON lines: write one object per "
                    + "line, or an array of objects)" : ""));
        }
    }

    private void advanceArrayElement() throws IOException {
        JsonToken token;
        try {
            token = array.nextToken();
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        }
        if (token == null || token == JsonToken.END_ARRAY) {
            done = true;
            return;
        }
        RowOrigin origin = RowOrigin.line(file, fileIndex, array.currentTokenLocation().getLineNr());
        if (token != JsonToken.START_OBJECT) {
            array.skipChildren();
            pendingError = new BadRowException(origin, "the array element is not a JSON object");
            return;
        }
        try {
            Map<String, Object> fields = array.readValueAs(ROW);
            pending = new DataRow(fields, origin);
        } catch (JsonProcessingException e) {
            throw syntaxError(e);
        }
    }

    private LorisException syntaxError(JsonProcessingException e) {
        done = true;
        long line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        return new LorisException(file + " line " + line + " is not valid JSON: " + e.getOriginalMessage(),
                "a JSON array cannot be read past a syntax error; fix the file (JSON lines can skip bad lines)");
    }

    @Override
    public void close() {
        TextFiles.closeQuietly(lines);
        if (array != null) {
            try {
                array.close();
            } catch (IOException ignored) {
                // closing a reader we only read from
            }
        }
    }
}
