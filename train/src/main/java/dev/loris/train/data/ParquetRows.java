package dev.loris.train.data;

import dev.loris.LorisException;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/**
 * Rows of a Parquet file, one row group in memory at a time (Hugging Face writes groups of a few hundred
 * MB at most), read with parquet-java's own file reader and record assembly, decompressed by
 * {@link ParquetCodecs}, converted to plain values by {@link ParquetValues}. Rows are numbered from 0
 * across the whole file.
 *
 * <p>Why parquet-java and not Arrow: Arrow Java reads Parquet only through arrow-dataset's JNI library,
 * which the Maven mirror Loris builds from does not serve.
 */
final class ParquetRows implements RowCursor {
    private final Path file;
    private final int fileIndex;
    private final ParquetFileReader reader;
    private final MessageType schema;
    private RecordReader<Group> records;
    private long leftInGroup;
    private long rowNumber;

    private ParquetRows(Path file, int fileIndex, ParquetFileReader reader) {
        this.file = file;
        this.fileIndex = fileIndex;
        this.reader = reader;
        this.schema = reader.getFooter().getFileMetaData().getSchema();
    }

    static ParquetRows open(Path file, int fileIndex) {
        try {
            ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration())
                    .withCodecFactory(new ParquetCodecs())
                    .build();
            return new ParquetRows(file, fileIndex, ParquetFileReader.open(new LocalInputFile(file), options));
        } catch (IOException | RuntimeException e) {
            throw new LorisException("cannot open " + file + " as Parquet: " + e.getMessage(),
                    "check that the file is a complete Parquet file (re-download it)", e);
        }
    }

    @Override
    public boolean hasNext() {
        if (leftInGroup > 0) {
            return true;
        }
        try {
            PageReadStore group;
            do {
                group = reader.readNextRowGroup();
                if (group == null) {
                    return false;
                }
            } while (group.getRowCount() == 0);
            records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(group, new GroupRecordConverter(schema));
            leftInGroup = group.getRowCount();
            return true;
        } catch (IOException | RuntimeException e) {
            throw unreadable(e);
        }
    }

    @Override
    public DataRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RowOrigin origin = RowOrigin.row(file, fileIndex, rowNumber++);
        leftInGroup--;
        try {
            Group record = records.read();
            return new DataRow(ParquetValues.row(record), origin);
        } catch (ParquetDecodingException | IndexOutOfBoundsException | IllegalArgumentException e) {
            // a damaged page can also surface while a value is decoded (a string length past its page)
            throw unreadable(e);
        }
    }

    private LorisException unreadable(Exception e) {
        return new LorisException("cannot read " + file + " at row " + rowNumber + ": " + e.getMessage(),
                "the Parquet file may be damaged or use an unsupported compression; re-download or rewrite it", e);
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException ignored) {
            // read only
        }
    }
}
