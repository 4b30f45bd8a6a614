package dev.loris.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's exact output (the reference crate's documented serialisations), its atomicity (a write that
 * fails leaves neither a file nor a temporary file, and an existing file untouched), and its argument checks.
 */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private final TestTensors random = new TestTensors();

    @Test
    void writesHeapSegmentsOfAnyPrimitiveArray() throws IOException {
        float[] values = {1.5f, -2f, 3.25f};
        short[] bits = {0x3FC0, (short) 0xC000, 0x4050};  // the same values in bf16
        Path file = dir.resolve("heap.safetensors");
        new SafetensorsWriter().add("f", Dtype.F32, new long[] {3}, MemorySegment.ofArray(values))
                .add("b", Dtype.BF16, new long[] {3}, MemorySegment.ofArray(bits)).write(file);
        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertArrayEquals(values, read.readFloats("f"));
            assertArrayEquals(values, read.readFloats("b"));
        }
    }

    @Test
    void writesTheReferenceCratesSerialisations() throws IOException {
        float[] values = {0, 1, 2, 3, 4, 5};
        assertFile(new SafetensorsWriter().addFloats("attn.0", Dtype.F32, new long[] {1, 2, 3}, values),
                "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", 0, values);
        // One character shorter: seven spaces of padding keep the data 8-aligned.
        assertFile(new SafetensorsWriter().addFloats("attn0", Dtype.F32, new long[] {1, 1, 2, 3}, values),
                "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}", 7, values);
        assertFile(new SafetensorsWriter(), "{}", 6, new float[0]);
        assertFile(new SafetensorsWriter().metadata("framework", "pt"),
                "{\"__metadata__\":{\"framework\":\"pt\"}}", 5, new float[0]);
    }

    private void assertFile(SafetensorsWriter writer, String json, int padding, float[] data) throws IOException {
        Path file = dir.resolve("vector.safetensors");
        writer.write(file);
        byte[] header = (json + " ".repeat(padding)).getBytes(StandardCharsets.UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(8 + header.length + 4 * data.length)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
        for (float value : data) {
            expected.putFloat(value);
        }
        assertArrayEquals(expected.array(), Files.readAllBytes(file), json);
    }

    @Test
    void failedWriteLeavesNoFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        SafetensorsWriter writer = writerWithDeadSegment();
        assertThrows(IllegalStateException.class, () -> writer.write(target));
        assertEquals(List.of(), listing(), "nothing may be left behind");

        byte[] before = new byte[] {1, 2, 3};
        Files.write(target, before);
        assertThrows(IllegalStateException.class, () -> writer.write(target));
        assertArrayEquals(before, Files.readAllBytes(target), "the existing file must be untouched");
        assertEquals(List.of(target), listing());
    }

    @Test
    void failedShardedWriteLeavesTheFolderAsItWas() throws IOException {
        SafetensorsWriter good = new SafetensorsWriter();
        for (int i = 0; i < 5; i++) {
            good.add("t" + i, Dtype.U8, new long[] {32}, random.bytes(Dtype.U8, new long[] {32}));
        }
        good.writeSharded(dir, 64);
        Map<Path, byte[]> before = contents();

        SafetensorsWriter bad = new SafetensorsWriter();
        for (int i = 0; i < 5; i++) {
            bad.add("u" + i, Dtype.U8, new long[] {32}, random.bytes(Dtype.U8, new long[] {32}));
        }
        addDeadSegment(bad); // in the third shard: two shards are on disk (as temporary files) when it fails
        assertThrows(IllegalStateException.class, () -> bad.writeSharded(dir, 64));
        Map<Path, byte[]> after = contents();
        assertEquals(before.keySet(), after.keySet(), "no file added or removed, no temporary file left");
        before.forEach((file, bytes) -> assertArrayEquals(bytes, after.get(file), file + " changed"));
    }

    @Test
    void unwritableTargetIsReported() {
        Path target = dir.resolve("missing-folder").resolve("model.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> new SafetensorsWriter().write(target));
        assertTrue(e.getMessage().startsWith(target + ": cannot be written"), e.getMessage());
        assertTrue(e.hint().contains("disk space"), e.hint());
    }

    @Test
    void argumentsAreChecked() {
        SafetensorsWriter writer = new SafetensorsWriter();
        MemorySegment eight = MemorySegment.ofArray(new byte[8]);
        assertThrows(IllegalArgumentException.class, () -> writer.add("a", Dtype.F32, new long[] {3}, eight),
                "3 floats are 12 bytes, not 8");
        assertThrows(IllegalArgumentException.class, () -> writer.add("a", Dtype.U8, new long[] {-8}, eight));
        assertThrows(IllegalArgumentException.class, () -> writer.add("__metadata__", Dtype.U8, new long[] {8},
                eight));
        assertThrows(IllegalArgumentException.class, () -> writer.add("\uD800", Dtype.U8, new long[] {8}, eight));
        assertThrows(IllegalArgumentException.class, () -> writer.addFloats("i", Dtype.I32, new long[] {1},
                new float[1]));
        writer.add("a", Dtype.U8, new long[] {8}, eight);
        assertThrows(IllegalArgumentException.class, () -> writer.add("a", Dtype.U8, new long[] {8}, eight));
        assertThrows(IllegalArgumentException.class, () -> writer.writeSharded(dir, 0));
    }

    /** A writer whose second tensor (in file order) is freed before the write, so the write fails midway. */
    private SafetensorsWriter writerWithDeadSegment() {
        SafetensorsWriter writer = new SafetensorsWriter();
        writer.add("alive", Dtype.F64, new long[] {4}, random.bytes(Dtype.F64, new long[] {4}));
        return addDeadSegment(writer);
    }

    private static SafetensorsWriter addDeadSegment(SafetensorsWriter writer) {
        try (Arena arena = Arena.ofConfined()) {
            writer.add("freed", Dtype.U8, new long[] {16}, arena.allocate(16));
        }
        return writer;
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private Map<Path, byte[]> contents() throws IOException {
        Map<Path, byte[]> contents = new LinkedHashMap<>();
        for (Path file : listing()) {
            contents.put(file, Files.readAllBytes(file));
        }
        return contents;
    }
}
