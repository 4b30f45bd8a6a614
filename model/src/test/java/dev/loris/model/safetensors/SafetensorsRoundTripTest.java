package dev.loris.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes random tensors of every dtype (scalars and empty tensors included) with SafetensorsWriter and reads
 * them back: same names, dtypes, shapes, bytes and metadata; the canonical order; every tensor aligned; and
 * the data served as slices of the mapped file, not copies.
 */
class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private final TestTensors random = new TestTensors();

    @Test
    void everyDtypeRoundTripsByteForByte() {
        SafetensorsWriter writer = new SafetensorsWriter();
        Map<String, MemorySegment> written = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Dtype> dtypes = new LinkedHashMap<>();
        int index = 0;
        for (Dtype dtype : Dtype.values()) {
            for (int copies = 1 + random.random.nextInt(3); copies > 0; copies--) {
                String name = random.name(index++);
                long[] shape = random.shape();
                MemorySegment bytes = random.bytes(dtype, shape);
                writer.add(name, dtype, shape, bytes);
                written.put(name, bytes);
                shapes.put(name, shape);
                dtypes.put(name, dtype);
            }
        }
        Map<String, String> metadata = Map.of("format", "pt", "seed", Long.toString(random.seed));
        writer.metadata(metadata);
        Path file = dir.resolve("all.safetensors");
        writer.write(file);

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(writer.fileOrder(), read.names(), random.at("file order"));
            assertEquals(metadata, read.metadata(), random.at("metadata"));
            assertEquals(0, read.dataStart() % 8, random.at("data area alignment"));
            for (String name : written.keySet()) {
                TensorInfo info = read.info(name);
                assertEquals(dtypes.get(name), info.dtype(), random.at(name + " dtype"));
                assertArrayEquals(shapes.get(name), info.shape(), random.at(name + " shape"));
                assertEquals(0, (info.fileOffset() - read.dataStart()) % info.dtype().byteSize(),
                        random.at(name + " is not aligned to its element size"));
                assertEquals(-1, written.get(name).mismatch(read.data(name)), random.at(name + " bytes"));
            }
        }
    }

    @Test
    void fileOrderIsDtypeDescendingThenNameBytes() {
        SafetensorsWriter writer = new SafetensorsWriter();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Dtype dtype = Dtype.values()[random.random.nextInt(Dtype.values().length)];
            String name = random.name(i);
            writer.add(name, dtype, new long[] {1}, random.bytes(dtype, new long[] {1}));
            names.add(dtype.ordinal() + "|" + name);
        }
        Path file = dir.resolve("order.safetensors");
        writer.write(file);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            List<TensorInfo> tensors = read.tensors();
            for (int i = 1; i < tensors.size(); i++) {
                TensorInfo a = tensors.get(i - 1);
                TensorInfo b = tensors.get(i);
                boolean ordered = a.dtype().ordinal() > b.dtype().ordinal() || a.dtype() == b.dtype()
                        && Arrays.compareUnsigned(a.name().getBytes(StandardCharsets.UTF_8),
                                b.name().getBytes(StandardCharsets.UTF_8)) < 0;
                assertTrue(ordered, random.at(a + " comes before " + b));
            }
        }
    }

    @Test
    void floatsAreStoredRoundedToNearestEvenAndReadBackExactly() {
        int n = 1 + random.random.nextInt(300);
        float[] values = random.floats(n, 100f);
        values[0] = Float.NaN;
        if (n > 1) {
            values[1] = Float.NEGATIVE_INFINITY;
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Dtype dtype : List.of(Dtype.F32, Dtype.F16, Dtype.BF16)) {
            writer.addFloats("w." + dtype, dtype, new long[] {n}, values);
        }
        Path file = dir.resolve("floats.safetensors");
        writer.write(file);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            float[] f32 = read.readFloats("w.F32");
            float[] f16 = read.readFloats("w.F16");
            float[] bf16 = read.readFloats("w.BF16");
            for (int i = 0; i < n; i++) {
                String at = random.at("element " + i + " = " + values[i]);
                assertEquals(values[i], f32[i], 0f, at + " as F32");
                assertEquals(referenceHalf(values[i]), f16[i], 0f, at + " as F16");
                assertEquals(referenceBfloat16(values[i]), bf16[i], 0f, at + " as BF16");
            }
        }
    }

    @Test
    void dataIsASliceOfTheReadOnlyMappingNotACopy() {
        SafetensorsWriter writer = new SafetensorsWriter();
        long[] shape = {3, 5};
        writer.add("a", Dtype.F32, shape, random.bytes(Dtype.F32, shape));
        writer.add("b", Dtype.BF16, shape, random.bytes(Dtype.BF16, shape));
        Path file = dir.resolve("mapped.safetensors");
        writer.write(file);
        MemorySegment a;
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            MemorySegment whole = read.content();
            a = read.data("a");
            for (String name : read.names()) {
                MemorySegment data = read.data(name);
                assertTrue(data.isMapped(), name + " should be a mapped segment");
                assertTrue(data.isNative() && data.heapBase().isEmpty(), name + " should not be on the heap");
                assertTrue(data.isReadOnly(), name + " should be read-only");
                assertEquals(whole.address() + read.info(name).fileOffset(), data.address(),
                        name + " should start inside the file's mapping at its offset");
                assertTrue(data.address() + data.byteSize() <= whole.address() + whole.byteSize());
            }
            assertThrows(IllegalArgumentException.class, () -> read.data("a").set(ValueLayout.JAVA_BYTE, 0,
                    (byte) 1), "a read-only mapping must refuse writes");
        }
        assertFalse(a.scope().isAlive(), "closing the file must unmap its slices");
        assertThrows(IllegalStateException.class, () -> a.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void emptyFileWithOnlyMetadataRoundTrips() {
        Path file = dir.resolve("empty.safetensors");
        new SafetensorsWriter().metadata("format", "pt").write(file);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(List.of(), read.names());
            assertEquals(Map.of("format", "pt"), read.metadata());
        }
    }

    /** f16 rounding computed independently of the JDK: the nearer of the two f16 neighbours, ties to even. */
    private static float referenceHalf(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        return nearestOf(x, halfGrid(x));
    }

    private static float[] halfGrid(float x) {
        double ulp = Math.ulp((float) Math.max(Math.abs(x), 6.103515625e-05f)) * Math.pow(2, 13);
        double lower = Math.floor(x / ulp) * ulp;
        return new float[] {(float) lower, (float) (lower + ulp), (float) ulp};
    }

    /** bf16 rounding computed independently: the nearer of the two truncations around x, ties to even. */
    private static float referenceBfloat16(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        int bits = Float.floatToRawIntBits(x);
        float towardZero = Float.intBitsToFloat(bits & 0xFFFF0000);
        float awayFromZero = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        double down = Math.abs((double) x - towardZero);
        double up = Math.abs((double) awayFromZero - x);
        if (down != up) {
            return down < up ? towardZero : awayFromZero;
        }
        return (Float.floatToRawIntBits(towardZero) & 0x10000) == 0 ? towardZero : awayFromZero;
    }

    private static float nearestOf(float x, float[] grid) {
        double down = Math.abs((double) x - grid[0]);
        double up = Math.abs((double) grid[1] - x);
        if (down != up) {
            return down < up ? grid[0] : grid[1];
        }
        long steps = Math.round(grid[0] / (double) grid[2]);
        return (steps & 1) == 0 ? grid[0] : grid[1];
    }
}
