package dev.loris.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GGUF v3 written and read back by our reader and by @huggingface/gguf: every value type, layout, errors. */
class GgufFileTest {
    @TempDir
    Path dir;

    static GgufMetadata everyType() {
        GgufMetadata m = new GgufMetadata();
        m.putString("general.architecture", "llama");
        m.put("t.u8", GgufValue.scalar(GgufValueType.UINT8, 200L));
        m.put("t.i8", GgufValue.scalar(GgufValueType.INT8, -100L));
        m.put("t.u16", GgufValue.scalar(GgufValueType.UINT16, 60000L));
        m.put("t.i16", GgufValue.scalar(GgufValueType.INT16, -30000L));
        m.putUint32("t.u32", 4_000_000_000L);
        m.putInt32("t.i32", -2_000_000_000);
        m.putFloat32("t.f32", 0.1);
        m.putBool("t.bool", true);
        m.putString("t.string", "héllo ✓");
        m.putUint64("t.u64", Long.MAX_VALUE);
        m.put("t.i64", GgufValue.scalar(GgufValueType.INT64, -5L));
        m.put("t.f64", GgufValue.scalar(GgufValueType.FLOAT64, Math.PI));
        m.putStrings("t.strings", List.of("a", "", "ü"));
        m.putInt32s("t.ints", new int[] {1, -2, 3});
        m.putFloat32s("t.floats", new float[] {1.5f, -0.25f});
        return m;
    }

    private Path writeSample(GgufMetadata metadata) {
        GgufWriter writer = new GgufWriter(metadata);
        writer.add(new GgufTensorInfo("a", GgmlType.F32, new long[] {3}), sink ->
                sink.write(MemorySegment.ofArray(new float[] {1, 2, 3})));
        writer.add(new GgufTensorInfo("b.weight", GgmlType.Q8_0, new long[] {32, 2}), sink ->
                sink.write(MemorySegment.ofArray(new byte[68])));
        writer.add(new GgufTensorInfo("c", GgmlType.F16, new long[] {5, 1, 1}), sink -> {
            sink.write(MemorySegment.ofArray(new byte[4]));
            sink.write(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6}));
        });
        Path file = dir.resolve("sample.gguf");
        writer.write(file);
        return file;
    }

    @Test
    void everyValueTypeAndTensorRoundTrips() {
        Path file = writeSample(everyType());
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(3, gguf.version());
            GgufMetadata m = gguf.metadata();
            assertEquals(everyType().keys(), m.keys());
            everyType().entries().forEach((k, v) -> assertEquals(v, m.get(k), k));
            List<GgufTensorInfo> tensors = gguf.tensors();
            assertEquals(List.of(0L, 32L, 128L), tensors.stream().map(GgufTensorInfo::offset).toList());
            assertArrayEquals(new float[] {1, 2, 3}, gguf.data("a").toArray(ValueLayout.JAVA_FLOAT));
            assertArrayEquals(new byte[] {0, 0, 0, 0, 1, 2, 3, 4, 5, 6}, gguf.data("c").toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new long[] {5, 1, 1}, gguf.tensor("c").ne());
        }
        try {
            long size = Files.size(file);
            assertEquals(0, size % GgufWriter.DEFAULT_ALIGNMENT, "the last tensor is padded too");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void customAlignmentIsHonoured() {
        GgufMetadata m = everyType();
        m.putUint32("general.alignment", 64);
        try (GgufFile gguf = GgufFile.open(writeSample(m))) {
            assertEquals(List.of(0L, 64L, 192L), gguf.tensors().stream().map(GgufTensorInfo::offset).toList());
        }
    }

    @Test
    void damagedFilesAreRefusedByName() throws IOException {
        Path file = writeSample(everyType());
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.gguf");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 40));
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.open(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path notGguf = dir.resolve("not.gguf");
        Files.writeString(notGguf, "this is no gguf file at all, just text");
        assertThrows(GgufException.class, () -> GgufFile.open(notGguf));
    }

    @Test
    void failedWriteLeavesNoFile() {
        GgufWriter writer = new GgufWriter(everyType());
        writer.add(new GgufTensorInfo("a", GgmlType.F32, new long[] {4}), sink -> {
            sink.write(MemorySegment.ofArray(new float[] {1, 2}));
            throw new IOException("No space left on device");
        });
        Path target = dir.resolve("out.gguf");
        GgufException e = assertThrows(GgufException.class, () -> writer.write(target));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertFalse(Files.exists(target));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file is left behind");
        } catch (IOException io) {
            throw new AssertionError(io);
        }
    }

    @Test
    @RequiresNodeConsumers
    void huggingFaceGgufReadsWhatWeWrite() {
        Path file = writeSample(everyType());
        JsonNode parsed = NodeConsumers.run("read-gguf.mjs", file.toString());
        assertEquals(3, parsed.path("version").asInt());
        JsonNode meta = parsed.path("metadata");
        assertEquals("héllo ✓", meta.path("t.string").path("value").asText());
        assertEquals(4_000_000_000L, meta.path("t.u32").path("value").asLong());
        assertEquals(-2_000_000_000L, meta.path("t.i32").path("value").asLong());
        assertEquals(Long.toString(Long.MAX_VALUE), meta.path("t.u64").path("value").asText());
        assertEquals(Math.PI, meta.path("t.f64").path("value").asDouble());
        assertEquals(3, meta.path("t.strings").path("length").asInt());
        assertEquals(-2, meta.path("t.ints").path("first").get(1).asInt());
        JsonNode tensors = parsed.path("tensors");
        assertEquals(3, tensors.size());
        assertEquals("b.weight", tensors.get(1).path("name").asText());
        assertEquals(8, tensors.get(1).path("dtype").asInt());
        assertEquals("32", tensors.get(1).path("offset").asText());
    }
}
