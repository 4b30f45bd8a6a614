package dev.loris.train.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.loris.LorisException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Rows of a CSV file (comma-separated, RFC 4180 quoting, a header row naming the columns; *.tsv is split on
 * tabs), streamed with Jackson's CSV reader. Every value is a string; a column holding a JSON list
 * (messages, conversations) is parsed by {@link RowConverter}. A row with more values than the header has
 * columns is a bad row; fewer values leave the last columns out of the row.
 *
 * <p>Why Jackson: Arrow Java reads CSV only through arrow-dataset's JNI library, not served here, and it
 * fails the whole file on one malformed row; Jackson (already in the build) gives each row's line.
 */
final class CsvRows implements RowCursor {
    private static final CsvMapper CSV = new CsvMapper();

    private final Path file;
    private final int fileIndex;
    private final BufferedReader reader;
    private final MappingIterator<Map<String, Object>> rows;
    private long nextLine;

    private CsvRows(Path file, int fileIndex, BufferedReader reader, MappingIterator<Map<String, Object>> rows) {
        this.file = file;
        this.fileIndex = fileIndex;
        this.reader = reader;
        this.rows = rows;
        this.nextLine = 2;
    }

    static CsvRows open(Path file, int fileIndex) {
        String name = file.getFileName().toString();
        char separator = name.endsWith(".tsv") || name.endsWith(".tsv.gz") ? '\t' : ',';
        BufferedReader reader = TextFiles.open(file);
        try {
            CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator(separator);
            MappingIterator<Map<String, Object>> rows = CSV.readerFor(LinkedHashMap.class).with(schema)
                    .readValues(reader);
            return new CsvRows(file, fileIndex, reader, rows);
        } catch (IOException e) {
            TextFiles.closeQuietly(reader);
            throw new LorisException("cannot read the CSV header of " + file + ": " + e.getMessage(),
                    "the first line must name the columns", e);
        }
    }

    @Override
    public boolean hasNext() {
        try {
            return rows.hasNextValue();
        } catch (IOException e) {
            throw unreadable(e);
        } catch (RuntimeJsonMappingException e) {
            throw unreadable(e);
        }
    }

    @Override
    public DataRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RowOrigin origin = RowOrigin.line(file, fileIndex, nextLine);
        try {
            Map<String, Object> fields = rows.nextValue();
            return new DataRow(fields, origin);
        } catch (IOException | RuntimeJsonMappingException e) {
            throw new BadRowException(origin, "malformed CSV row: " + e.getMessage().lines().findFirst().orElse(""), e);
        } finally {
            JsonLocation at = rows.getParser().currentLocation();
            nextLine = Math.max(nextLine + 1, at.getLineNr() + (at.getColumnNr() > 1 ? 1 : 0));
        }
    }

    private LorisException unreadable(Exception e) {
        return new LorisException("cannot read " + file + " after line " + (nextLine - 1) + ": " + e.getMessage(),
                "check the CSV (UTF-8, a header row, quotes closed)", e);
    }

    @Override
    public void close() {
        try {
            rows.close();
        } catch (IOException ignored) {
            // read only
        }
        TextFiles.closeQuietly(reader);
    }
}
