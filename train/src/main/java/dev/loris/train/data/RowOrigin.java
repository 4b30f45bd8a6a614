package dev.loris.train.data;

import java.nio.file.Path;

/**
 * Where a row came from, for messages: its file and its 1-based line (JSON lines, CSV, JSON arrays: the line
 * the row starts on) or 0-based row index (Parquet, Arrow, as pandas and datasets count them).
 *
 * @param file      the data file
 * @param fileIndex the file's position in the dataset's file list (what the token cache stores)
 * @param number    the line (1-based) or row (0-based)
 * @param isLine    whether {@code number} is a line
 */
public record RowOrigin(Path file, int fileIndex, long number, boolean isLine) {
    public static RowOrigin line(Path file, int fileIndex, long line) {
        return new RowOrigin(file, fileIndex, line, true);
    }

    public static RowOrigin row(Path file, int fileIndex, long row) {
        return new RowOrigin(file, fileIndex, row, false);
    }

    @Override
    public String toString() {
        return file + (isLine ? " line " : " row ") + number;
    }
}
