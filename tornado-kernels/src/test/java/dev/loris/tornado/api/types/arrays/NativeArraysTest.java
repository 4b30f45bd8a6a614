package dev.loris.tornado.api.types.arrays;

import dev.loris.tornado.api.types.HalfFloat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layout, round trips, wrapping and the long-length limits of the off-heap arrays. */
class NativeArraysTest {
    private static final long SEED = System.nanoTime();
    private final Random random = new Random(SEED);

    @Test
    void floatArrayRoundTripsAndHasNoHeader() {
        float[] values = new float[1000 + random.nextInt(100)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        FloatArray array = FloatArray.fromArray(values);
        assertArrayEquals(values, array.toHeapArray(), "seed " + SEED);
        assertEquals(values.length, array.getSize());
        assertEquals(values.length, array.length());
        assertEquals(4, array.getElementSize());
        assertEquals(4L * values.length, array.getNumBytesOfSegment());
        assertEquals(4L * values.length, array.getSegment().byteSize());
        assertEquals(0, array.getSegment().address() % TornadoNativeArray.ALIGNMENT);
        // Element 0 sits at byte 0, little-endian.
        array.set(0, 1.0f);
        assertEquals(0x3F800000, array.getSegment().get(ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        assertEquals((byte) 0x3F, array.getSegment().get(ValueLayout.JAVA_BYTE, 3));
        array.set(7L, -2.5f);
        assertEquals(-2.5f, array.get(7));
        array.init(3.25f);
        assertEquals(3.25f, array.get(array.length() - 1));
        array.clear();
        assertEquals(0f, array.get(values.length / 2));
    }

    @Test
    void integerArraysRoundTrip() {
        int[] ints = random.ints(513).toArray();
        assertArrayEquals(ints, IntArray.fromArray(ints).toHeapArray());
        long[] longs = random.longs(257).toArray();
        assertArrayEquals(longs, LongArray.fromArray(longs).toHeapArray());
        short[] shorts = new short[300];
        byte[] bytes = new byte[301];
        for (int i = 0; i < shorts.length; i++) {
            shorts[i] = (short) random.nextInt();
        }
        random.nextBytes(bytes);
        assertArrayEquals(shorts, ShortArray.fromArray(shorts).toHeapArray());
        assertArrayEquals(bytes, ByteArray.fromArray(bytes).toHeapArray());
        assertArrayEquals(shorts, BFloat16Array.fromArray(shorts).toHeapArray());
        HalfFloatArray halves = HalfFloatArray.fromBits(shorts);
        for (int i = 0; i < shorts.length; i++) {
            assertEquals(shorts[i], halves.getBits(i), "seed " + SEED);
        }

        IntArray counters = new IntArray(5);
        counters.init(-7);
        counters.set(4L, 9);
        assertArrayEquals(new int[] {-7, -7, -7, -7, 9}, counters.toHeapArray());
        LongArray big = new LongArray(3);
        big.set(2, Long.MIN_VALUE);
        assertEquals(Long.MIN_VALUE, big.get(2L));
        assertEquals(8, big.getElementSize());
        ByteArray raw = new ByteArray(10);
        raw.init((byte) 0x5A);
        assertEquals((byte) 0x5A, raw.get(9));
    }

    @Test
    void halfAndBfloat16ArraysStoreBits() {
        HalfFloatArray halves = HalfFloatArray.fromFloats(1.0f, -2.0f, 65504f, 1e-8f);
        assertEquals((short) 0x3C00, halves.getBits(0));
        assertEquals(new HalfFloat(-2.0f), halves.get(1));
        assertEquals(65504f, halves.getFloat(2L));
        assertEquals(0f, halves.getFloat(3), "1e-8 is below half the smallest f16 subnormal");
        halves.set(3L, HalfFloat.fromBits((short) 0x0001));
        assertEquals(5.9604645E-8f, halves.getFloat(3));
        HalfFloat[] heap = halves.toHeapArray();
        assertEquals(halves.get(2), HalfFloatArray.fromArray(heap).get(2));
        halves.init(new HalfFloat(0.5f));
        assertEquals(0.5f, halves.getFloat(0));
        assertEquals(0x3800, halves.getSegment().get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN), 2));

        BFloat16Array bf = BFloat16Array.fromFloats(1.0f, 3.0f, -0.0f);
        assertEquals((short) 0x3F80, bf.get(0));
        assertEquals((short) 0x4040, bf.getBits(1L));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(bf.getFloat(2)));
        bf.init((short) 0x4000);
        assertArrayEquals(new float[] {2f, 2f, 2f}, bf.toFloatArray());
    }

    @Test
    void wrapSharesMemoryWithoutCopying() {
        MemorySegment segment = Arena.ofAuto().allocate(64, 64);
        FloatArray floats = FloatArray.wrap(segment);
        IntArray ints = IntArray.wrap(segment);
        assertEquals(16, floats.length());
        floats.set(3, 1.5f);
        assertEquals(Float.floatToRawIntBits(1.5f), ints.get(3));
        assertEquals(32, ShortArray.wrap(segment).length());
        assertEquals(8, LongArray.wrap(segment).length());
        assertEquals(64, ByteArray.wrap(segment).length());
        assertEquals(32, HalfFloatArray.wrap(segment).length());
        assertEquals(32, BFloat16Array.wrap(segment).length());
        assertEquals(segment, floats.getSegment());
    }

    @Test
    void wrapRejectsPartialElementsAndMisalignment() {
        MemorySegment segment = Arena.ofAuto().allocate(64, 64);
        NativeArrayException partial = assertThrows(NativeArrayException.class,
                () -> FloatArray.wrap(segment.asSlice(0, 10)));
        assertTrue(partial.getMessage().contains("10 bytes"), partial.getMessage());
        NativeArrayException misaligned = assertThrows(NativeArrayException.class,
                () -> IntArray.wrap(segment.asSlice(2, 8)));
        assertTrue(misaligned.getMessage().contains("aligned to 2 bytes"), misaligned.getMessage());
        assertEquals(4, HalfFloatArray.wrap(segment.asSlice(2, 8)).length());
    }

    @Test
    void negativeLengthIsAClearError() {
        NativeArrayException e = assertThrows(NativeArrayException.class, () -> new FloatArray(-3));
        assertTrue(e.getMessage().contains("FloatArray length must not be negative, got -3"), e.getMessage());
    }

    /**
     * A ByteArray of 3 GB over a sparse file mapping: only the touched pages cost memory or time, while
     * zero-filling a 3 GB allocation takes seconds. Indexing is the same for allocated and wrapped arrays.
     */
    @Test
    void byteArrayPastTwoToThe31Elements(@TempDir Path dir) throws IOException {
        long length = 3_000_000_001L;
        try (Arena arena = Arena.ofConfined();
             FileChannel file = FileChannel.open(dir.resolve("sparse.bin"), StandardOpenOption.CREATE_NEW,
                     StandardOpenOption.SPARSE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment mapped;
            try {
                mapped = file.map(FileChannel.MapMode.READ_WRITE, 0, length, arena);
            } catch (IOException | UnsupportedOperationException e) {
                System.out.println("SKIPPED byteArrayPastTwoToThe31Elements: cannot map a 3 GB sparse file: " + e);
                Assumptions.abort("cannot map a 3 GB sparse file: " + e);
                return;
            }
            ByteArray bytes = ByteArray.wrap(mapped);
            long index = 3_000_000_000L;
            assertEquals(0, bytes.get(index));
            bytes.set(index, (byte) -42);
            // The element a 31-bit index would alias: distinct values prove no truncation.
            bytes.set(index - (1L << 31), (byte) 17);
            assertEquals(-42, bytes.get(index));
            assertEquals(17, bytes.get(index - (1L << 31)));
            assertEquals(length, bytes.length());
            NativeArrayException e = assertThrows(NativeArrayException.class, bytes::getSize);
            assertTrue(e.getMessage().contains("3000000001 elements"), e.getMessage());
            assertThrows(NativeArrayException.class, bytes::toHeapArray);
        }
    }
}
