package dev.loris.model.safetensors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each way a safetensors file can be broken, made by editing one thing of a valid file in a temporary
 * folder, must fail with its own message that names the file (and the tensor, where one is at fault) and
 * comes with a hint.
 */
class SafetensorsCorruptionTest {
    @TempDir
    Path dir;

    private final TestTensors random = new TestTensors();
    private Path valid;

    /** A valid file: "a" F32[2,3] (24 bytes) then "b" U8[4]. */
    @BeforeEach
    void writeValidFile() {
        valid = dir.resolve("valid.safetensors");
        new SafetensorsWriter()
                .add("a", Dtype.F32, new long[] {2, 3}, random.bytes(Dtype.F32, new long[] {2, 3}))
                .add("b", Dtype.U8, new long[] {4}, random.bytes(Dtype.U8, new long[] {4}))
                .metadata("format", "pt")
                .write(valid);
        try (SafetensorsFile file = SafetensorsFile.open(valid)) {
            assertEquals(2, file.names().size());
        }
    }

    @Test
    void truncatedDataNamesTheSizes() throws IOException {
        byte[] bytes = Files.readAllBytes(valid);
        int cut = 1 + random.random.nextInt(4);
        Path file = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(bytes, bytes.length - cut));
        SafetensorsException e = failure(file, "the file is truncated: " + (bytes.length - cut) + " of "
                + bytes.length + " bytes");
        assertEquals("b", e.tensor().orElseThrow(), "the last tensor is the one cut");
    }

    @Test
    void truncatedHeaderAndLength() throws IOException {
        byte[] bytes = Files.readAllBytes(valid);
        failure(Files.write(dir.resolve("in-header.safetensors"), Arrays.copyOf(bytes, 20)),
                "the file is truncated: 20 of at least");
        failure(Files.write(dir.resolve("in-length.safetensors"), Arrays.copyOf(bytes, 5)),
                "the file is truncated: 5 bytes, fewer than the 8");
        failure(Files.write(dir.resolve("zero.safetensors"), new byte[0]), "the file is truncated: 0 bytes");
    }

    @Test
    void headerLengthOverTheLimit() throws IOException {
        byte[] bytes = Files.readAllBytes(valid);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100_000_001L);
        failure(Files.write(dir.resolve("big.safetensors"), bytes), "the header length 100000001 exceeds the "
                + "limit of 100000000 bytes");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -8L);
        failure(Files.write(dir.resolve("huge.safetensors"), bytes), "the header length 18446744073709551608 "
                + "exceeds");
    }

    @Test
    void badJsonNotUtf8AndForeignStart() throws IOException {
        failure(TestTensors.withHeader(valid, dir.resolve("json.safetensors"), h -> h.replace("\"dtype\":\"U8\"",
                "\"dtype\":\"U8\"\"")), "the header is not valid JSON");
        failure(TestTensors.withHeader(valid, dir.resolve("trailing.safetensors"), h -> h + "x"),
                "the header is not valid JSON");
        failure(TestTensors.withHeader(valid, dir.resolve("start.safetensors"), h -> "[" + h.substring(1)),
                "the header does not start with '{' but with \"[");
        byte[] bytes = Files.readAllBytes(valid);
        int quote = indexOf(bytes, "\"a\"");
        bytes[quote + 1] = (byte) 0xFF;
        failure(Files.write(dir.resolve("utf8.safetensors"), bytes), "the header is not valid UTF-8");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        failure(TestTensors.withHeader(valid, dir.resolve("dup.safetensors"),
                h -> h.replace("\"b\":{", "\"a\":{")), "Duplicate field 'a'");
    }

    @Test
    void unknownDtypeIsNamed() throws IOException {
        SafetensorsException e = failure(TestTensors.withHeader(valid, dir.resolve("dtype.safetensors"),
                h -> h.replace("\"F32\"", "\"F4\"")), "unknown or unsupported dtype 'F4'");
        assertEquals("a", e.tensor().orElseThrow());
        assertTrue(e.hint().contains("BF16"), "the hint lists what Loris reads: " + e.hint());
    }

    @Test
    void shapeThatDisagreesWithTheByteRange() throws IOException {
        SafetensorsException e = failure(TestTensors.withHeader(valid, dir.resolve("shape.safetensors"),
                h -> h.replace("[2,3]", "[2,2]")), "shape [2, 2] of F32 needs 16 bytes but data_offsets [0, 24] "
                + "hold 24");
        assertEquals("a", e.tensor().orElseThrow());
        failure(TestTensors.withHeader(valid, dir.resolve("overflow.safetensors"),
                h -> h.replace("[2,3]", "[4294967296,4294967296]")), "has more bytes than a 64-bit size can count");
        failure(TestTensors.withHeader(valid, dir.resolve("negative.safetensors"),
                h -> h.replace("[2,3]", "[2,-3]")), "shape must hold non-negative integers, but element 1 is -3");
        failure(TestTensors.withHeader(valid, dir.resolve("fraction.safetensors"),
                h -> h.replace("[2,3]", "[2,3.0]")), "shape must hold non-negative integers, but element 1 is 3.0");
        failure(TestTensors.withHeader(valid, dir.resolve("backwards.safetensors"),
                h -> h.replace("[24,28]", "[28,24]")), "data_offsets must be [BEGIN, END] with BEGIN <= END");
    }

    @Test
    void overlappingRanges() throws IOException {
        byte[] data = new byte[12];
        Path file = TestTensors.rawFile(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}", data);
        SafetensorsException e = failure(file, "data_offsets [4, 12) overlap tensor 'a' at [0, 8)");
        assertEquals("b", e.tensor().orElseThrow());
    }

    @Test
    void holeBetweenTensorsAndAtTheStart() throws IOException {
        failure(TestTensors.rawFile(dir.resolve("hole.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[6,10]}}", new byte[10]),
                "bytes [4, 6) of the data area, between 'a' and it, belong to no tensor");
        failure(TestTensors.rawFile(dir.resolve("start.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", new byte[6]),
                "bytes [0, 2) of the data area, before it, belong to no tensor");
    }

    @Test
    void rangePastTheDataArea() throws IOException {
        SafetensorsException e = failure(TestTensors.rawFile(dir.resolve("range.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[4,12]}}", new byte[8]),
                "data_offsets [4, 12) reach past the end of the data area (8 bytes)");
        assertEquals("b", e.tensor().orElseThrow());
    }

    @Test
    void bytesAfterTheLastTensor() throws IOException {
        failure(TestTensors.rawFile(dir.resolve("tail.safetensors"),
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", new byte[7]),
                "3 bytes after the last tensor belong to no tensor");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        failure(TestTensors.withHeader(valid, dir.resolve("meta.safetensors"),
                h -> h.replace("\"format\":\"pt\"", "\"format\":1")), "__metadata__ must map strings to strings, "
                + "but 'format' is number 1");
        failure(TestTensors.withHeader(valid, dir.resolve("meta-list.safetensors"),
                h -> h.replace("{\"format\":\"pt\"}", "[\"pt\"]")), "__metadata__ must be an object of strings");
    }

    @Test
    void tensorEntriesHaveExactlyTheThreeFields() throws IOException {
        SafetensorsException extra = failure(TestTensors.withHeader(valid, dir.resolve("extra.safetensors"),
                h -> h.replace("\"dtype\":\"U8\"", "\"dtype\":\"U8\",\"scale\":2")), "unknown field 'scale'");
        assertEquals("b", extra.tensor().orElseThrow());
        failure(TestTensors.withHeader(valid, dir.resolve("missing.safetensors"),
                h -> h.replace("\"shape\":[4],", "")), "the entry has no 'shape'");
        failure(TestTensors.withHeader(valid, dir.resolve("not-object.safetensors"),
                h -> h.replaceFirst("\"b\":\\{[^}]*}", "\"b\":7")), "the entry must be an object");
        failure(TestTensors.withHeader(valid, dir.resolve("dtype-number.safetensors"),
                h -> h.replace("\"U8\"", "8")), "dtype must be a string");
    }

    @Test
    void missingTensorListsCloseNames() {
        try (SafetensorsFile file = SafetensorsFile.open(valid)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> file.data("aa"));
            assertTrue(e.getMessage().contains("tensor 'aa': no such tensor in this file (closest: 'a', 'b')"),
                    e.getMessage());
            SafetensorsException notFloat = assertThrows(SafetensorsException.class, () -> file.readFloats("b"));
            assertTrue(notFloat.getMessage().contains("is U8, not F32, F16 or BF16"), notFloat.getMessage());
        }
    }

    @Test
    void missingFile() {
        failure(dir.resolve("absent.safetensors"), "no such file");
    }

    /** Opening {@code file} must fail with a message naming it and containing {@code expected}, and a hint. */
    private SafetensorsException failure(Path file, String expected) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(file).close(),
                random.at(file.getFileName() + " should not open"));
        assertTrue(e.getMessage().startsWith(file.toString()), "the message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.hint().isEmpty(), "every failure comes with a hint: " + e.getMessage());
        assertEquals(file, e.file());
        return e;
    }

    private static int indexOf(byte[] bytes, String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError(text + " not found");
    }
}
