package dev.loris.gguf;

import dev.loris.testing.FuzzOutcome;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The GGUF reader's fuzz ring (issue 16): mutations of files our writer produces (every metadata value type,
 * every tensor type, 1 to 4 dimensions), through {@link GgufFile#open} and a read of every value and every
 * tensor's bytes. Two kinds of edits: byte flips / deletions / insertions / truncation ({@link FuzzOutcome#mutate}),
 * and little-endian counts and lengths overwritten with values at the edges of u32/u64 (where byte flips rarely
 * land and where overflowing sizes hide). Outcomes as {@link FuzzOutcome}: accepted or one LorisException.
 * Fixed seeds; tries from -Dloris.fuzz.tries.
 */
class GgufFuzzTest {
    private static final long[] EDGES = {0, 1, 2, 3, 4, 5, 31, 32, 33, 63, 64, 255, 256, 65535, 0x7FFFFFFFL, 0x80000000L,
            0xFFFFFFFFL, 0x100000000L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -2};
    private static final byte[] EVERY_TYPE = writtenOnce();

    private static byte[] writtenOnce() {
        try {
            Path folder = Files.createTempDirectory("gguf-fuzz-seed");
            GgufWriter writer = new GgufWriter(GgufFileTest.everyType().putUint32("general.alignment", 64));
            long[][] shapes = {{7}, {2, 3}, {1, 2, 1}, {3, 1, 1, 2}};
            int shape = 0;
            for (GgmlType type : GgmlType.values()) {
                long[] ne = shapes[shape++ % shapes.length].clone();
                ne[0] *= type.blockSize();
                GgufTensorInfo info = new GgufTensorInfo("t." + type.name().toLowerCase(), type, ne);
                writer.add(info, sink -> sink.write(MemorySegment.ofArray(new byte[(int) info.byteSize()])));
            }
            Path file = folder.resolve("seed.gguf");
            writer.write(file);
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            Files.delete(folder);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<List<int[]>> edits() {
        return FuzzOutcome.edits();
    }

    /** {position, index into EDGES, width 4 or 8}: a count, length or offset replaced by an edge value. */
    @Provide
    Arbitrary<List<int[]>> wideEdits() {
        Arbitrary<int[]> edit = Arbitraries.integers().between(0, EVERY_TYPE.length - 1).flatMap(at -> Arbitraries
                .integers().between(0, EDGES.length - 1).flatMap(edge -> Arbitraries.of(4, 8)
                        .map(width -> new int[] {at, edge, width})));
        return edit.list().ofMinSize(1).ofMaxSize(3);
    }

    /** The seed itself is accepted: the ring mutates a valid file, so both outcomes are reachable. */
    @Example
    void theSeedIsAccepted() throws IOException {
        Path folder = Files.createTempDirectory("gguf-fuzz");
        Path file = Files.write(folder.resolve("seed.gguf"), EVERY_TYPE);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(GgmlType.values().length, gguf.tensors().size());
        } finally {
            Files.delete(file);
            Files.delete(folder);
        }
    }

    @Property(seed = "1611")
    void mutatedBytes(@ForAll("edits") List<int[]> edits) throws IOException {
        readEverything(FuzzOutcome.describe(edits), FuzzOutcome.mutate(EVERY_TYPE, edits));
    }

    @Property(seed = "1612")
    void edgeCountsAndLengths(@ForAll("wideEdits") List<int[]> edits) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(EVERY_TYPE.clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] edit : edits) {
            int at = Math.min(edit[0], EVERY_TYPE.length - edit[2]);
            if (edit[2] == 4) {
                bytes.putInt(at, (int) EDGES[edit[1]]);
            } else {
                bytes.putLong(at, EDGES[edit[1]]);
            }
        }
        readEverything("wide edits " + describe(edits), bytes.array());
    }

    private static void readEverything(String what, byte[] content) throws IOException {
        Path folder = Files.createTempDirectory("gguf-fuzz");
        Path file = Files.write(folder.resolve("fuzz.gguf"), content);
        try {
            FuzzOutcome.accepts(what, () -> {
                long sum = 0;
                try (GgufFile gguf = GgufFile.open(file)) {
                    for (var entry : gguf.metadata().entries().entrySet()) {
                        sum += entry.getKey().length() + entry.getValue().toString().length();
                    }
                    for (GgufTensorInfo info : gguf.tensors()) {
                        MemorySegment data = gguf.data(info.name());
                        sum += data.byteSize() == 0 ? 0 : data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                        sum += info.rows() + info.elementCount();
                    }
                }
                return sum;
            });
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(folder);
        }
    }

    private static String describe(List<int[]> edits) {
        StringBuilder text = new StringBuilder();
        edits.forEach(e -> text.append(" ").append(java.util.Arrays.toString(e)));
        return text.toString();
    }
}
