package dev.loris.train.data;

import dev.loris.LorisException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Rows of an Arrow IPC file through Apache Arrow Java: the stream format Hugging Face's save_to_disk writes
 * ({@code data-00000-of-00001.arrow}), or the file format (Feather v2, "ARROW1" magic). One record batch is in
 * (off-heap) memory at a time; datasets writes batches of 1000 rows. Rows are numbered from 0 across the file.
 */
final class ArrowIpcRows implements RowCursor {
    private static final byte[] FILE_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);

    private final Path file;
    private final int fileIndex;
    private final BufferAllocator allocator;
    private final ArrowReader reader;
    private final AutoCloseable source;
    private VectorSchemaRoot root;
    private int batchRow;
    private int batchRows;
    private long rowNumber;

    private ArrowIpcRows(Path file, int fileIndex, BufferAllocator allocator, ArrowReader reader,
                         AutoCloseable source) {
        this.file = file;
        this.fileIndex = fileIndex;
        this.allocator = allocator;
        this.reader = reader;
        this.source = source;
    }

    static ArrowIpcRows open(Path file, int fileIndex) {
        BufferAllocator allocator = new RootAllocator();
        try {
            if (startsWithFileMagic(file)) {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                return new ArrowIpcRows(file, fileIndex, allocator, new ArrowFileReader(channel, allocator), channel);
            }
            InputStream in = Files.newInputStream(file);
            return new ArrowIpcRows(file, fileIndex, allocator, new ArrowStreamReader(in, allocator), in);
        } catch (NoSuchFileException e) {
            allocator.close();
            throw new LorisException(file + " does not exist", "check the dataset folder", e);
        } catch (IOException e) {
            allocator.close();
            throw new LorisException("cannot open " + file + ": " + e.getMessage(), "check the file", e);
        }
    }

    private static boolean startsWithFileMagic(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(FILE_MAGIC.length), FILE_MAGIC);
        }
    }

    @Override
    public boolean hasNext() {
        try {
            while (batchRow >= batchRows) {
                if (!reader.loadNextBatch()) {
                    return false;
                }
                root = reader.getVectorSchemaRoot();
                batchRow = 0;
                batchRows = root.getRowCount();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            throw new LorisException("cannot read " + file + " after row " + rowNumber + " as Arrow IPC: "
                    + e.getMessage(), "the file may be truncated; save the dataset again", e);
        }
    }

    @Override
    public DataRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        List<FieldVector> vectors = root.getFieldVectors();
        Map<String, Object> fields = new LinkedHashMap<>();
        try {
            for (FieldVector vector : vectors) {
                fields.put(vector.getName(), ArrowValues.plain(vector.getObject(batchRow), vector.getField()));
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) { // offsets past a damaged buffer
            throw new LorisException("cannot read " + file + " at row " + (++rowNumber) + ": its Arrow data is"
                    + " damaged (" + e.getMessage() + ")", "re-create the file (datasets' save_to_disk or"
                    + " pyarrow), or leave the row out with --skip-bad-rows", e);
        } finally {
            batchRow++;
        }
        return new DataRow(fields, RowOrigin.row(file, fileIndex, rowNumber++));
    }

    @Override
    public void close() {
        try {
            reader.close();
            source.close();
        } catch (Exception ignored) {
            // read only
        } finally {
            allocator.close();
        }
    }
}
