package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.runtime.Units;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A byte array of 2^31 + 2^26 elements (about 2.2 GB): the rows around element 2^31 and the last rows are
 * marked through long indices, their neighbours must stay poisoned. Skipped, with the reason printed, where
 * the memory is not there: the host cannot map it, or the backend's largest allocation is smaller (PoCL's
 * is 2 GiB).
 *
 * <p>The array is a memory-mapped sparse temporary file rather than zeroed anonymous memory: only the pages
 * the test touches cost anything on the JVM (zeroing 2.2 GB takes seconds on a small machine). Device
 * backends copy the whole array both ways, which touches every page.
 */
class LargeIndexTest {
    private static final long LENGTH_AT_LEAST = (1L << 31) + (1L << 26);
    private static final int LOCAL = 256;
    private static final byte POISON = (byte) 0xFF;

    @AcrossBackends
    void rowsAroundTwoToTheThirtyFirstAndAtTheEndAreMarked(SuiteAccelerator backend) throws IOException {
        SuiteInputs in = new SuiteInputs();
        // A random row length moves element 2^31 to a random place inside its row.
        int rowLength = LOCAL * in.between(3000, 5000);
        long rows = LENGTH_AT_LEAST / rowLength + 1;
        long bytes = rows * rowLength;
        skipUnless(backend.maxArrayBytes() >= bytes, "the largest allocation on " + backend.name() + " is "
                + Units.bytes(backend.maxArrayBytes()) + ", the test needs " + Units.bytes(bytes));
        long crossing = (1L << 31) / rowLength;
        try (Arena arena = Arena.ofShared(); FileChannel file = sparseFile()) {
            MemorySegment segment = map(file, arena, bytes);
            segment.asSlice((crossing - 2) * rowLength, 5L * rowLength).fill(POISON);
            segment.asSlice((rows - 3) * rowLength, 3L * rowLength).fill(POISON);
            ByteArray data = ByteArray.wrap(segment);
            mark(backend, data, crossing - 1, 3, rowLength);
            mark(backend, data, rows - 2, 2, rowLength);
            for (long row : new long[] {crossing - 1, crossing, crossing + 1, rows - 2, rows - 1}) {
                checkRow(in, backend, data, row, rowLength, true);
            }
            for (long row : new long[] {crossing - 2, crossing + 2, rows - 3}) {
                checkRow(in, backend, data, row, rowLength, false);
            }
        }
    }

    private static void mark(SuiteAccelerator backend, ByteArray data, long firstRow, int rows, int rowLength) {
        backend.run(SuiteInputs.kernel(LargeIndex.class, "addMarks"), new int[] {rowLength, rows},
                new int[] {LOCAL, 1}, data, firstRow, rowLength);
    }

    private static void checkRow(SuiteInputs in, SuiteAccelerator backend, ByteArray data, long row, int rowLength,
                                 boolean marked) {
        for (long i = row * rowLength, end = i + rowLength; i < end; i++) {
            byte expected = marked ? (byte) (POISON + LargeIndex.mark(i)) : POISON;
            if (data.get(i) != expected) {
                assertEquals(expected, data.get(i), in.at(backend, "element " + i + " (row " + row + " of length "
                        + rowLength + ", " + (marked ? "marked" : "not launched") + ")"));
            }
        }
    }

    private static FileChannel sparseFile() throws IOException {
        return FileChannel.open(Files.createTempFile("loris-large-index", ".bin"), StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
    }

    private static MemorySegment map(FileChannel file, Arena arena, long bytes) {
        try {
            return file.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
        } catch (IOException | OutOfMemoryError e) {
            skipUnless(false, "the host cannot map " + Units.bytes(bytes) + ": " + e);
            throw new AssertionError("unreachable: the skip throws", e);
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) {
            System.out.println("SKIPPED LargeIndexTest: " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }
}
