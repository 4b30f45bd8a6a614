package dev.loris.tornado.runtime.opencl;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.runtime.Units;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device buffers: transfers both ways, blocking and not, device-side copies, fills, allocation limits. */
@RequiresOpenCl
class OpenClBufferTest {
    private static final long SEED = System.nanoTime();
    private static OpenClDevice device;

    @BeforeAll
    static void open() {
        device = OpenClDevice.openDefault();
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @Test
    void asyncTransfersOfNativeMemoryRoundTrip() {
        Random random = new Random(SEED);
        int n = 1 + random.nextInt(100_000);
        float[] values = OpenClKernelTest.randomFloats(random, n);
        try (Arena arena = Arena.ofConfined(); OpenClBuffer buffer = device.allocate(4L * n)) {
            MemorySegment source = arena.allocateFrom(JAVA_FLOAT, values);
            MemorySegment target = arena.allocate(JAVA_FLOAT, n);
            target.fill((byte) 0xFF);
            try (OpenClEvent write = buffer.writeAsync(0, source); OpenClEvent read = buffer.readAsync(0, target)) {
                read.waitFor();
                write.waitFor();
            }
            assertArrayEquals(values, target.toArray(JAVA_FLOAT), "seed " + SEED);
        }
    }

    @Test
    void partialTransfersLandAtTheirOffsets() {
        Random random = new Random(SEED + 1);
        int n = 16 + random.nextInt(1000);
        int offset = random.nextInt(n - 8);
        int count = 1 + random.nextInt(n - offset);
        float[] values = OpenClKernelTest.randomFloats(random, count);
        float[] expected = new float[n];
        Arrays.fill(expected, -7f);
        System.arraycopy(values, 0, expected, offset, count);
        float[] actual = new float[n];
        Arrays.fill(actual, Float.NaN);
        try (OpenClBuffer buffer = device.allocate(4L * n)) {
            buffer.fillFloat(-7f);
            buffer.write(4L * offset, MemorySegment.ofArray(values));
            buffer.read(MemorySegment.ofArray(actual));
            assertArrayEquals(expected, actual, "offset " + offset + " count " + count + ", seed " + SEED);
            float[] slice = new float[count];
            buffer.read(4L * offset, MemorySegment.ofArray(slice));
            assertArrayEquals(values, slice, "seed " + SEED);
        }
    }

    @Test
    void deviceCopyMovesTheRequestedRange() {
        Random random = new Random(SEED + 2);
        int n = 8 + random.nextInt(5000);
        int from = random.nextInt(n / 2);
        int to = random.nextInt(n / 2);
        int count = 1 + random.nextInt(n / 2);
        float[] values = OpenClKernelTest.randomFloats(random, n);
        float[] expected = new float[n];
        Arrays.fill(expected, Float.NaN);
        System.arraycopy(values, from, expected, to, count);
        float[] actual = new float[n];
        try (OpenClBuffer source = device.allocate(4L * n); OpenClBuffer target = device.allocate(4L * n)) {
            source.write(MemorySegment.ofArray(values));
            target.fillFloat(Float.NaN);
            target.copyFrom(source, 4L * from, 4L * to, 4L * count);
            target.read(MemorySegment.ofArray(actual));
        }
        assertArrayEquals(expected, actual, "from " + from + " to " + to + " count " + count + ", seed " + SEED);
    }

    @Test
    void fillsRepeatTheirPattern() {
        int value = new Random(SEED + 3).nextInt();
        int[] ints = new int[333];
        byte[] bytes = new byte[1001];
        try (OpenClBuffer intBuffer = device.allocate(4L * ints.length);
             OpenClBuffer byteBuffer = device.allocate(bytes.length)) {
            intBuffer.fillInt(value);
            byteBuffer.fillBytes((byte) value);
            intBuffer.read(MemorySegment.ofArray(ints));
            byteBuffer.read(MemorySegment.ofArray(bytes));
            assertThrows(IllegalArgumentException.class, () -> byteBuffer.fillFloat(1f), "1001 bytes, 4-byte fill");
        }
        for (int i : ints) {
            assertEquals(value, i);
        }
        for (byte b : bytes) {
            assertEquals((byte) value, b);
        }
    }

    @Test
    void outOfRangeTransfersAndHeapAsyncTransfersAreRejected() {
        try (OpenClBuffer buffer = device.allocate(64)) {
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(60, MemorySegment.ofArray(new int[2])));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.read(-4, MemorySegment.ofArray(new int[1])));
            assertThrows(IllegalArgumentException.class, () -> buffer.writeAsync(0, MemorySegment.ofArray(new int[1])));
        }
    }

    @Test
    void anAllocationBeyondTheDevicesLimitNamesTheRequestAndTheLimits() {
        long maxAlloc = device.maxAllocBytes();
        long request = maxAlloc + 1 + new Random(SEED + 4).nextInt(1 << 20);
        OpenClAllocationException e = assertThrows(OpenClAllocationException.class, () -> device.allocate(request));
        String message = e.getMessage();
        assertTrue(message.contains(request + " bytes") && message.contains(maxAlloc + " bytes")
                && message.contains(Units.bytes(device.capabilities().globalMemBytes()) + " of global memory")
                && message.contains(device.name()), message);
        assertEquals(request, e.requestedBytes());
        assertEquals(0, device.liveBuffers());
    }

    @Test
    void statisticsCountLiveBuffersAndThePeak() {
        long peakBefore = device.peakBytes();
        try (OpenClBuffer a = device.allocate(1000); OpenClBuffer b = device.allocate(24)) {
            assertEquals(2, device.liveBuffers());
            assertEquals(a.bytes() + b.bytes(), device.liveBytes());
        }
        assertEquals(0, device.liveBuffers());
        assertEquals(0, device.liveBytes());
        assertEquals(Math.max(peakBefore, 1024), device.peakBytes());
    }
}
