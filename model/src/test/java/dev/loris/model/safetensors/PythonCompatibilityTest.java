package dev.loris.model.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Compatibility with Python's safetensors library: src/test/resources/safetensors/python_fixture.safetensors
 * was written by it (make_python_fixture.py beside it, safetensors 0.8.0). Loris must read every tensor of it
 * exactly, and SafetensorsWriter must write the same tensors and metadata to a byte-identical file.
 *
 * <p>The table and formulas below repeat the script's; the fixed data is the point here (the file is the
 * other library's output), so this test draws nothing at random.
 */
class PythonCompatibilityTest {
    @TempDir
    Path dir;

    private record FixtureTensor(String name, Dtype dtype, long[] shape, boolean raw) {}

    private static final List<FixtureTensor> TENSORS = List.of(
            new FixtureTensor("mask", Dtype.BOOL, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.u8", Dtype.U8, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.i8", Dtype.I8, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.f8_e5m2", Dtype.F8_E5M2, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.f8_e4m3", Dtype.F8_E4M3, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.i16", Dtype.I16, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.u16", Dtype.U16, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.f16", Dtype.F16, new long[] {2, 3}, false),
            new FixtureTensor("layers.0.bf16", Dtype.BF16, new long[] {2, 3}, false),
            new FixtureTensor("layers.0.i32", Dtype.I32, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.u32", Dtype.U32, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.f32", Dtype.F32, new long[] {2, 3}, false),
            new FixtureTensor("layers.0.f64", Dtype.F64, new long[] {2, 3}, false),
            new FixtureTensor("layers.0.i64", Dtype.I64, new long[] {2, 3}, true),
            new FixtureTensor("layers.0.u64", Dtype.U64, new long[] {2, 3}, true),
            new FixtureTensor("scalar", Dtype.F32, new long[] {}, false),
            new FixtureTensor("empty", Dtype.BF16, new long[] {0, 4}, false),
            new FixtureTensor("na\u00efve.weight", Dtype.F16, new long[] {3}, false),
            new FixtureTensor("quote\"name", Dtype.F32, new long[] {1}, false),
            new FixtureTensor("ctrl\u0001name", Dtype.U8, new long[] {1}, true),
            new FixtureTensor("\uff21.wide", Dtype.U8, new long[] {1}, true),
            new FixtureTensor("\ud83d\ude00.emoji", Dtype.U8, new long[] {1}, true));
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    @Test
    void readsEveryTensorPythonWrote() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(fixture())) {
            assertEquals(METADATA, file.metadata());
            assertEquals(TENSORS.size(), file.names().size());
            for (int k = 0; k < TENSORS.size(); k++) {
                FixtureTensor expected = TENSORS.get(k);
                TensorInfo info = file.info(expected.name());
                assertEquals(expected.dtype(), info.dtype(), expected.name());
                assertArrayEquals(expected.shape(), info.shape(), expected.name());
                assertArrayEquals(bytes(k), file.data(expected.name()).toArray(ValueLayout.JAVA_BYTE),
                        expected.name());
                if (expected.dtype().readableAsFloat()) {
                    assertArrayEquals(values(k, (int) info.elementCount()), file.readFloats(expected.name()), 0f,
                            expected.name());
                }
            }
        }
    }

    @Test
    void writerOutputIsByteIdenticalToPythons() throws Exception {
        SafetensorsWriter writer = new SafetensorsWriter().metadata(METADATA);
        for (int k = 0; k < TENSORS.size(); k++) {
            FixtureTensor tensor = TENSORS.get(k);
            writer.add(tensor.name(), tensor.dtype(), tensor.shape(), MemorySegment.ofArray(bytes(k)));
        }
        Path ours = dir.resolve("loris.safetensors");
        writer.write(ours);
        assertArrayEquals(Files.readAllBytes(fixture()), Files.readAllBytes(ours));
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(PythonCompatibilityTest.class.getResource("/safetensors/python_fixture.safetensors").toURI());
    }

    /** The script's bytes of tensor k. */
    private static byte[] bytes(int k) {
        FixtureTensor tensor = TENSORS.get(k);
        int count = 1;
        for (long d : tensor.shape()) {
            count *= (int) d;
        }
        ByteBuffer out = ByteBuffer.allocate(count * tensor.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        if (tensor.raw()) {
            for (int j = 0; j < out.capacity(); j++) {
                int b = (j * 37 + k * 11 + 5) & 0xFF;
                out.put((byte) (tensor.dtype() == Dtype.BOOL ? b & 1 : b));
            }
            return out.array();
        }
        for (float value : values(k, count)) {
            switch (tensor.dtype()) {
                case F64 -> out.putDouble(value);
                case F32 -> out.putFloat(value);
                case F16 -> out.putShort(Float.floatToFloat16(value));
                case BF16 -> out.putShort((short) (Float.floatToRawIntBits(value) >>> 16));
                default -> throw new AssertionError(tensor.dtype());
            }
        }
        return out.array();
    }

    /** The script's values of float tensor k: exact in every float type. */
    private static float[] values(int k, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (i - 3) * 0.5f + k;
        }
        return values;
    }
}
