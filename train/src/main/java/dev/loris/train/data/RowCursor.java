package dev.loris.train.data;

import java.util.Iterator;

/**
 * The rows of one data file, read as they are needed (never the whole file at once), in file order.
 * {@link #next()} throws {@link BadRowException} for a row it cannot read and then goes on with the next row
 * where the format allows (JSON lines, CSV); a file that cannot be read on at all ends with a LorisException.
 */
public interface RowCursor extends Iterator<DataRow>, AutoCloseable {
    @Override
    void close();
}
