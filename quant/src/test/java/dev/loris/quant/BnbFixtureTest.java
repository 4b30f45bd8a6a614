package dev.loris.quant;

import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Our host quantisers, dequantisation reference, quant_state JSON and bnb key layout against
 * bnb_reference.safetensors, written by bnb_reference.py from bitsandbytes' source: byte for byte.
 */
class BnbFixtureTest {
    private static SafetensorsCheckpoint fixture;

    @BeforeAll
    static void open() {
        fixture = SafetensorsCheckpoint.open(fixturePath());
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    static Path fixturePath() {
        try {
            return Path.of(BnbFixtureTest.class.getResource("/bnb/bnb_reference.safetensors").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The 4-bit cases: every weight with a quant_state key. */
    static List<String> fourBitCases() {
        return SafetensorsCheckpoint.open(fixturePath()).names().stream()
                .filter(n -> n.contains(".quant_state.bitsandbytes__"))
                .map(n -> n.substring(0, n.indexOf(".weight.")))
                .sorted().toList();
    }

    @Test
    void dynamicMapIsTheReferenceTable() {
        assertArrayEquals(bytes("dynamic_map"), floatBytes(DynamicMap.code()));
    }

    @ParameterizedTest
    @MethodSource("fourBitCases")
    void quantisingTheSourceGivesBitsandbytesBytes(String name) {
        FourBitTensor stored = (FourBitTensor) BnbTensors.read(fixture, name + ".weight");
        TensorInfo source = fixture.info(name + ".source");
        QuantScheme.FourBit scheme = new QuantScheme.FourBit(stored.type(), stored.blocksize(),
                stored.absmax() instanceof Absmax.Nested);
        FourBitTensor ours = FourBitQuantizer.quantize(name + ".source", fixture.data(name + ".source"),
                source.dtype(), source.shape(), scheme);
        assertArrayEquals(bytes(name + ".weight"), ours.packed().toHeapArray(), name + ": packed codes");
        assertEquals(stored.dtype(), ours.dtype());
        switch (ours.absmax()) {
            case Absmax.Plain plain -> assertArrayEquals(bytes(name + ".weight.absmax"),
                    plain.values().getSegment().toArray(ValueLayout.JAVA_BYTE), name + ": absmax");
            case Absmax.Nested nested -> {
                assertArrayEquals(bytes(name + ".weight.absmax"), nested.codes().toHeapArray(), name + ": absmax codes");
                assertArrayEquals(bytes(name + ".weight.nested_absmax"),
                        nested.nestedAbsmax().getSegment().toArray(ValueLayout.JAVA_BYTE), name + ": nested absmax");
                assertEquals(((Absmax.Nested) stored.absmax()).offset(), nested.offset(), 0f, name + ": offset");
            }
        }
        String stateKey = name + ".weight." + BnbQuantState.of(ours).keySuffix();
        assertEquals(new String(bytes(stateKey)), BnbQuantState.of(ours).json(), name + ": quant_state JSON");
    }

    @ParameterizedTest
    @MethodSource("fourBitCases")
    void dequantisingTheStoredTensorGivesTheReferenceBf16(String name) {
        FourBitTensor stored = (FourBitTensor) BnbTensors.read(fixture, name + ".weight");
        MemorySegment expected = fixture.data(name + ".dequantized");
        for (long i = 0; i < stored.count(); i++) {
            short bits = expected.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
            assertEquals(bits, stored.valueBf16(i), name + ": value " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("fourBitCases")
    void writingTheTensorGivesBitsandbytesKeysAndBytes(String name, @TempDir Path dir) {
        FourBitTensor stored = (FourBitTensor) BnbTensors.read(fixture, name + ".weight");
        SafetensorsWriter writer = new SafetensorsWriter();
        BnbTensors.add(writer, name + ".weight", stored);
        Path file = dir.resolve("written.safetensors");
        writer.write(file);
        try (SafetensorsCheckpoint written = SafetensorsCheckpoint.open(file)) {
            List<String> keys = fixture.names().stream().filter(k -> k.startsWith(name + ".weight")).sorted().toList();
            assertEquals(keys, written.names().stream().sorted().toList());
            for (String key : keys) {
                assertEquals(fixture.info(key).dtype(), written.info(key).dtype(), key);
                assertArrayEquals(fixture.info(key).shape(), written.info(key).shape(), key);
                assertArrayEquals(bytes(key), written.data(key).toArray(ValueLayout.JAVA_BYTE), key);
            }
        }
    }

    @Test
    void int8QuantisationAndDequantisationMatch() {
        String name = "int8_rows";
        TensorInfo source = fixture.info(name + ".source");
        Int8Tensor ours = Int8Tensor.quantize(new SourceValues(fixture.data(name + ".source"), source.dtype(),
                source.elementCount(), name), source.dim(0), source.dim(1));
        assertArrayEquals(bytes(name + ".weight"), ours.codes().toHeapArray(), "CB");
        assertArrayEquals(bytes(name + ".SCB"), ours.scb().getSegment().toArray(ValueLayout.JAVA_BYTE), "SCB");
        Int8Tensor stored = assertInstanceOf(Int8Tensor.class, BnbTensors.read(fixture, name + ".weight"));
        MemorySegment expected = fixture.data(name + ".dequantized");
        for (long r = 0; r < stored.rows(); r++) {
            for (long c = 0; c < stored.cols(); c++) {
                short bits = expected.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, r * stored.cols() + c);
                assertEquals(bits, stored.valueBf16(r, c), "value (" + r + ", " + c + ")");
            }
        }
    }

    private static byte[] bytes(String key) {
        return fixture.data(key).toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] floatBytes(float[] values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[values.length * 4]);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return segment.toArray(ValueLayout.JAVA_BYTE);
    }
}
