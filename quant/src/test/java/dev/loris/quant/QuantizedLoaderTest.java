package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loading: a 16-bit checkpoint quantised while loading gives the same device bf16 as the same weights saved in
 * bitsandbytes' layout and loaded pre-quantised; damaged or unsupported quant states are one LorisException
 * naming the tensor.
 */
class QuantizedLoaderTest {
    private static final String W = "model.layers.0.mlp.up_proj.weight";
    private static final long[] SHAPE = {24, 136};

    @Test
    void quantisingWhileLoadingAndLoadingTheSavedCheckpointAgree(@TempDir Path dir) {
        Path base = dir.resolve("base.safetensors");
        MemorySegment bf16 = DequantizeKernelsTest.randomBf16(new Random(7), SHAPE[0] * SHAPE[1]);
        new SafetensorsWriter().add(W, Dtype.BF16, SHAPE, bf16).write(base);
        for (QuantScheme scheme : new QuantScheme[] {QuantScheme.LOAD_IN_4BIT, QuantScheme.LOAD_IN_8BIT,
                new QuantScheme.FourBit(FourBitType.FP4, 128, false)}) {
            Path saved = dir.resolve("saved-" + scheme.getClass().getSimpleName() + ".safetensors");
            try (Accelerator jvm = Accelerator.open("jvm"); SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(base)) {
                QuantizedLoader loader = new QuantizedLoader(checkpoint, jvm);
                assertFalse(loader.isPrequantized(W));
                SafetensorsWriter writer = new SafetensorsWriter();
                BnbTensors.add(writer, W, loader.loadHost(W, scheme));
                writer.write(saved);
                short[] direct = dequantized(jvm, loader.load(W, scheme));
                try (SafetensorsCheckpoint quantized = SafetensorsCheckpoint.open(saved)) {
                    QuantizedLoader prequantized = new QuantizedLoader(quantized, jvm);
                    assertTrue(prequantized.isPrequantized(W));
                    QuantizedWeight weight = prequantized.load(W, QuantScheme.LOAD_IN_8BIT); // stored form wins
                    Class<?> expected = scheme instanceof QuantScheme.Int8 ? Int8Weight.class : FourBitWeight.class;
                    assertInstanceOf(expected, weight);
                    assertArrayEquals(SHAPE, weight.shape());
                    assertArrayEquals(direct, dequantized(jvm, weight), scheme.toString());
                }
            }
        }
    }

    private static short[] dequantized(Accelerator accelerator, QuantizedWeight weight) {
        try (weight; DeviceArray out = accelerator.allocate(BFloat16Array.class, SHAPE[0] * SHAPE[1])) {
            out.poison();
            weight.dequantize(out, accelerator.defaultStream());
            BFloat16Array host = new BFloat16Array(out.length());
            out.copyTo(host);
            return host.toHeapArray();
        }
    }

    @Test
    void unknownQuantTypeNamesTheTensor(@TempDir Path dir) {
        assertRejected(dir, "quant_type 'int4'", w -> w.replaceState("\"nf4\"", "\"int4\""));
    }

    @Test
    void unsupportedBlocksizeNamesTheTensor(@TempDir Path dir) {
        assertRejected(dir, "blocksize 48", w -> w.replaceState("\"blocksize\": 64", "\"blocksize\": 48"));
    }

    @Test
    void missingNestedKeysNameTheTensor(@TempDir Path dir) {
        assertRejected(dir, "no " + W + ".nested_absmax", w -> w.drop(W + ".nested_absmax"));
    }

    @Test
    void wrongSizesNameTheTensor(@TempDir Path dir) {
        assertRejected(dir, "needs 1644 bytes", w -> w.replaceState("[24, 136]", "[24, 137]"));
        assertRejected(dir, W + ".absmax is U8", w -> w.replace(W + ".absmax", Dtype.U8, new byte[7]));
    }

    @Test
    void damagedJsonAndForeignQuantMapNameTheTensor(@TempDir Path dir) {
        assertRejected(dir, "not JSON", w -> w.replaceState("{", "["));
        assertRejected(dir, "quant_map is not bitsandbytes' nf4 table",
                w -> w.replace(W + ".quant_map", Dtype.F32, new byte[64]));
    }

    /** A valid NF4 double-quantised checkpoint of W, edited by {@code damage}, must fail naming W and {@code message}. */
    private static void assertRejected(Path dir, String message, Consumer<Edits> damage) {
        MemorySegment bf16 = DequantizeKernelsTest.randomBf16(new Random(3), SHAPE[0] * SHAPE[1]);
        FourBitTensor tensor = FourBitQuantizer.quantize(W, bf16, Dtype.BF16, SHAPE, QuantScheme.LOAD_IN_4BIT);
        SafetensorsWriter valid = new SafetensorsWriter();
        BnbTensors.add(valid, W, tensor);
        Path validFile = dir.resolve("valid.safetensors");
        valid.write(validFile);
        Edits edits = new Edits();
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(validFile)) {
            for (String name : checkpoint.names()) {
                edits.tensors.put(name, new Tensor(checkpoint.info(name).dtype(), checkpoint.info(name).shape(),
                        checkpoint.data(name).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        damage.accept(edits);
        Path file = dir.resolve("damaged.safetensors");
        SafetensorsWriter damaged = new SafetensorsWriter();
        edits.tensors.forEach((name, t) -> damaged.add(name, t.dtype, t.shape, MemorySegment.ofArray(t.data)));
        damaged.write(file);
        try (SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(file);
             Accelerator jvm = Accelerator.open("jvm")) {
            LorisException e = assertThrows(LorisException.class,
                    () -> new QuantizedLoader(checkpoint, jvm).load(W, QuantScheme.LOAD_IN_4BIT));
            assertTrue(e.getMessage().contains(W) && e.getMessage().contains(message), e.getMessage());
        }
    }

    private record Tensor(Dtype dtype, long[] shape, byte[] data) {
    }

    /** The tensors of a checkpoint being damaged. */
    private static final class Edits {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();

        void drop(String key) {
            tensors.remove(key);
        }

        void replace(String key, Dtype dtype, byte[] data) {
            tensors.put(key, new Tensor(dtype, new long[] {data.length / dtype.byteSize()}, data));
        }

        void replaceState(String from, String to) {
            String key = W + ".quant_state.bitsandbytes__nf4";
            String json = new String(tensors.get(key).data(), StandardCharsets.UTF_8).replace(from, to);
            replace(key, Dtype.U8, json.getBytes(StandardCharsets.UTF_8));
        }
    }
}
