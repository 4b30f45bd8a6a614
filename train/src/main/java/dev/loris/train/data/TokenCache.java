package dev.loris.train.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A tokenized dataset on disk, memory-mapped, so a dataset larger than memory is trained from the page cache
 * and shuffled by index. Three files (little-endian), written once by {@link TokenCacheWriter}:
 *
 * <pre>
 *   tokens.bin    (all tokens) int32        every example's ids, one after the other
 *   trained.bin   (all tokens) uint8        1 where the token is a label
 *   examples.bin  (examples, 32 bytes)      token offset i64, row i64, length i32, file i32, labels i32, flags i32
 *   meta.json                               format version, fingerprint, data files, {@link DataStats}
 * </pre>
 */
public final class TokenCache implements AutoCloseable {
    static final int VERSION = 1;
    static final int RECORD_BYTES = 32;
    static final int FLAG_TRUNCATED = 1;
    static final int FLAG_LINE = 2;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path folder;
    private final Arena arena;
    private final MemorySegment tokens;
    private final MemorySegment trained;
    private final MemorySegment examples;
    private final Meta meta;
    private final List<Path> files;

    /** meta.json's content. */
    record Meta(int version, String fingerprint, List<String> files, DataStats stats) {
    }

    private TokenCache(Path folder, Arena arena, MemorySegment tokens, MemorySegment trained, MemorySegment examples,
                       Meta meta) {
        this.folder = folder;
        this.arena = arena;
        this.tokens = tokens;
        this.trained = trained;
        this.examples = examples;
        this.meta = meta;
        this.files = meta.files().stream().map(Path::of).toList();
    }

    /** Opens a finished cache folder. */
    static TokenCache open(Path folder) {
        Meta meta = readMeta(folder);
        if (meta == null || meta.version() != VERSION) {
            throw new LorisException("the token cache " + folder + " is unreadable or of another Loris version",
                    "delete the folder; it is rebuilt from the dataset");
        }
        Arena arena = Arena.ofShared();
        try {
            return new TokenCache(folder, arena, map(folder.resolve("tokens.bin"), arena),
                    map(folder.resolve("trained.bin"), arena), map(folder.resolve("examples.bin"), arena), meta);
        } catch (IOException e) {
            arena.close();
            throw new LorisException("cannot map the token cache " + folder + ": " + e.getMessage(),
                    "delete the folder; it is rebuilt from the dataset", e);
        }
    }

    /** meta.json of a folder, or null when there is none or it does not parse. */
    static Meta readMeta(Path folder) {
        Path file = folder.resolve("meta.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return new ObjectMapper().readValue(file.toFile(), Meta.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static MemorySegment map(Path file, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            return size == 0 ? MemorySegment.NULL : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }

    public int size() {
        return Math.toIntExact(examples.byteSize() / RECORD_BYTES);
    }

    public int length(int example) {
        return examples.get(INT, record(example) + 16);
    }

    /** Trained predictions of the example (see {@link EncodedExample#labelCount()}). */
    public int labelCount(int example) {
        return examples.get(INT, record(example) + 24);
    }

    public boolean truncated(int example) {
        return (examples.get(INT, record(example) + 28) & FLAG_TRUNCATED) != 0;
    }

    public RowOrigin origin(int example) {
        long at = record(example);
        int file = examples.get(INT, at + 20);
        long row = examples.get(LONG, at + 8);
        boolean line = (examples.get(INT, at + 28) & FLAG_LINE) != 0;
        return new RowOrigin(files.get(file), file, row, line);
    }

    /** Copies the example's ids into {@code out} at {@code at}. */
    public void ids(int example, int[] out, int at) {
        long offset = examples.get(LONG, record(example));
        MemorySegment.copy(tokens, INT, offset * Integer.BYTES, out, at, length(example));
    }

    /** Copies the example's labels, unshifted (the id where trained, -100 elsewhere), into {@code out} at {@code at}. */
    public void labels(int example, int[] ids, int idsAt, int[] out, int at) {
        long offset = examples.get(LONG, record(example));
        int n = length(example);
        for (int t = 0; t < n; t++) {
            out[at + t] = trained.get(ValueLayout.JAVA_BYTE, offset + t) != 0 ? ids[idsAt + t]
                    : dev.loris.model.decoder.Batch.IGNORED;
        }
    }

    /** The example as it was encoded. */
    public EncodedExample example(int example) {
        int n = length(example);
        int[] ids = new int[n];
        ids(example, ids, 0);
        long offset = examples.get(LONG, record(example));
        boolean[] mask = new boolean[n];
        for (int t = 0; t < n; t++) {
            mask[t] = trained.get(ValueLayout.JAVA_BYTE, offset + t) != 0;
        }
        return new EncodedExample(ids, mask, truncated(example), origin(example));
    }

    public DataStats stats() {
        return meta.stats();
    }

    public String fingerprint() {
        return meta.fingerprint();
    }

    public Path folder() {
        return folder;
    }

    private long record(int example) {
        return (long) example * RECORD_BYTES;
    }

    @Override
    public void close() {
        arena.close();
    }
}
