package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.examples.ExampleKernels;
import dev.loris.tornado.kernels.RowReductions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The execution layer on every accelerator this machine has (the JVM always, OpenCL on PoCL, CUDA on a GPU):
 * kernels against plain Java with poisoned outputs, the scalar ABI, copies, memory statistics and events.
 */
class AcceleratorTest {
    static Stream<String> specs() {
        return Accelerator.available().stream();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void axpyMatchesJava(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 1000 + random.nextInt(3000);
        float a = random.nextFloat() * 4 - 2;
        FloatArray x = ExecTestKernels.randomFloats(random, n);
        FloatArray y = ExecTestKernels.randomFloats(random, n);
        FloatArray out = new FloatArray(n);
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray dx = acc.upload(x); DeviceArray dy = acc.upload(y);
             DeviceArray dout = acc.allocate(FloatArray.class, n)) {
            dout.poison();
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            axpy.set(1, a).set(2, dx).set(3, dy).set(4, dout).set(5, n);
            long global = (n + 127) / 128 * 128L;
            axpy.launch(global, 128, acc.defaultStream());
            dout.copyTo(out);
        }
        ExecTestKernels.assertAxpy(a, x, y, out, spec + " seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("specs")
    void localMemoryReductionMatchesJava(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int rows = 10 + random.nextInt(30);
        int cols = 100 + random.nextInt(1000);
        FloatArray matrix = ExecTestKernels.randomFloats(random, rows * cols);
        FloatArray sums = new FloatArray(rows);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray dmatrix = acc.upload(matrix);
             DeviceArray dsums = acc.allocate(FloatArray.class, rows)) {
            dsums.poison();
            acc.compile(RowReductions.class, "rowSum", Map.of()).launcher()
                    .setArguments(null, dmatrix, dsums, cols)
                    .launch((long) rows * RowReductions.MAX_GROUP, RowReductions.MAX_GROUP,
                            acc.defaultStream());
            dsums.copyTo(sums);
        }
        ExecTestKernels.assertRowSums(matrix, sums, cols, spec + " seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("specs")
    void everyScalarTypeReachesTheKernelAndConstantsArePassedForYou(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int i = random.nextInt();
        long l = random.nextLong();
        // Any bits but NaN's, which a device may quiet on the way (the bits would differ, not the value).
        float f = Float.intBitsToFloat(random.nextInt() & 0xBF7F_FFFF);
        double d = Double.longBitsToDouble(random.nextLong() & 0xBFEF_FFFF_FFFF_FFFFL);
        byte b = (byte) random.nextInt();
        short s = (short) random.nextInt();
        char c = (char) random.nextInt(1 << 16);
        boolean flag = random.nextBoolean();
        int length = 9 + random.nextInt(10);
        LongArray out = new LongArray(length);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray dout = acc.allocate(LongArray.class, length)) {
            dout.poison();
            CompiledKernel echo = acc.compile(ExecTestKernels.class, "echoScalars", Map.of(3, l, 8, c));
            echo.launcher().set(1, dout).set(2, i).set(4, f).set(5, d).set(6, b).set(7, s).set(9, flag)
                    .launch(1, 1, acc.defaultStream());
            dout.copyTo(out);
        }
        long[] expected = {i, l, Float.floatToRawIntBits(f), Double.doubleToRawLongBits(d), b, s, c, flag ? 1 : 0,
            length};
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], out.get(k), spec + " seed " + seed + " slot " + k);
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void copiesRoundTripSynchronouslyAsynchronouslyAndOnTheDevice(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 1 + random.nextInt(5000);
        FloatArray source = ExecTestKernels.randomFloats(random, n);
        FloatArray back = new FloatArray(n);
        try (Accelerator acc = Accelerator.open(spec); DeviceStream stream = acc.createStream();
             DeviceArray first = acc.allocate(FloatArray.class, n);
             DeviceArray second = acc.allocate(FloatArray.class, n + 7)) {
            first.copyFromAsync(source, stream);
            second.poison();
            stream.synchronize();
            second.copyFrom(first);
            FloatArray longer = new FloatArray(n + 7);
            second.copyToAsync(longer, stream);
            stream.synchronize();
            first.copyTo(back);
            for (int i = 0; i < n; i++) {
                assertEquals(source.get(i), back.get(i), 0f, spec + " seed " + seed + " i " + i);
                assertEquals(source.get(i), longer.get(i), 0f, spec + " seed " + seed + " i " + i);
            }
            for (int i = n; i < n + 7; i++) {
                assertTrue(Float.isNaN(longer.get(i)), spec + ": the poisoned tail stays NaN, i " + i);
            }
            assertThrows(RuntimeException.class, () -> first.copyFrom(longer), "a longer host array is refused");
            assertThrows(RuntimeException.class, () -> first.copyFrom(new IntArray(n)), "another type is refused");
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void memoryStatsCountRequestedBytesAndTheCacheExactly(String spec) {
        try (Accelerator acc = Accelerator.open(spec)) {
            MemoryStats empty = acc.memoryStats();
            assertEquals(0, empty.currentBytes(), spec);
            DeviceArray a = acc.allocate(FloatArray.class, 1000);
            DeviceArray b = acc.allocate(LongArray.class, 3);
            MemoryStats two = acc.memoryStats();
            assertEquals(4000 + 24, two.currentBytes(), spec);
            assertEquals(2, two.liveArrays(), spec);
            assertEquals(4096 + 512, two.reservedBytes(), spec);
            a.close();
            a.close();
            DeviceArray again = acc.allocate(IntArray.class, 1001); // same 4096-byte class: served from the cache
            MemoryStats reused = acc.memoryStats();
            assertEquals(4004 + 24, reused.currentBytes(), spec);
            assertEquals(4000 + 24 + 4004 - 4000, reused.peakBytes(), spec);
            assertEquals(2, reused.rawAllocations(), spec);
            assertEquals(3, reused.allocations(), spec);
            again.close();
            b.close();
            assertEquals(0, acc.memoryStats().currentBytes(), spec);
            acc.emptyCache();
            assertEquals(0, acc.memoryStats().reservedBytes(), spec);
            assertThrows(IllegalStateException.class, () -> again.copyFrom(new IntArray(1)),
                    "closed arrays refuse use");
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void thousandLaunchesWithTemporariesLeaveMemoryUnchanged(String spec) {
        int n = 4096;
        try (Accelerator acc = Accelerator.open(spec); DeviceArray x = acc.upload(new FloatArray(n));
             DeviceArray y = acc.upload(new FloatArray(n))) {
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            axpy.set(1, 1f).set(2, x).set(3, y).set(5, n);
            DeviceArray warm = acc.allocate(FloatArray.class, n);
            warm.close();
            MemoryStats before = acc.memoryStats();
            for (int step = 0; step < 1000; step++) {
                try (DeviceArray out = acc.allocate(FloatArray.class, n)) {
                    axpy.set(4, out).launch(n, 64, acc.defaultStream());
                }
            }
            acc.synchronize();
            MemoryStats after = acc.memoryStats();
            assertEquals(before.currentBytes(), after.currentBytes(), spec);
            assertEquals(before.liveArrays(), after.liveArrays(), spec);
            assertEquals(before.reservedBytes(), after.reservedBytes(), spec);
            assertEquals(before.rawAllocations(), after.rawAllocations(),
                    spec + ": every temporary came from the cache");
            assertEquals(before.allocations() + 1000, after.allocations(), spec);
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void anImpossibleAllocationEmptiesTheCacheThenThrowsTheBackendsError(String spec) {
        try (Accelerator acc = Accelerator.open(spec)) {
            acc.allocate(FloatArray.class, 1000).close();
            assertEquals(4096, acc.memoryStats().reservedBytes(), spec + ": one cached block");
            long petabyte = 1L << 50;
            LorisException e = assertThrows(LorisException.class, () -> acc.allocate(FloatArray.class, petabyte / 4));
            assertTrue(e.getMessage().contains("allocate"), spec + ": " + e.getMessage());
            MemoryStats after = acc.memoryStats();
            assertEquals(0, after.reservedBytes(), spec + ": the cache was emptied before the retry");
            assertEquals(0, after.liveArrays(), spec);
            acc.allocate(FloatArray.class, 10).close(); // still usable
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void eventsTimeTheWorkBetweenThem(String spec) {
        int n = 1 << 16;
        try (Accelerator acc = Accelerator.open(spec); DeviceArray x = acc.upload(new FloatArray(n));
             DeviceArray y = acc.upload(new FloatArray(n)); DeviceArray out = acc.allocate(FloatArray.class, n);
             DeviceEvent start = acc.createEvent(); DeviceEvent end = acc.createEvent()) {
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher()
                    .setArguments(null, 2f, x, y, out, n);
            assertThrows(IllegalStateException.class, () -> end.millisSince(start), "not recorded yet");
            start.record(acc.defaultStream());
            for (int k = 0; k < 10; k++) {
                axpy.launch(n, 64, acc.defaultStream());
            }
            end.record(acc.defaultStream());
            end.synchronize();
            double millis = end.millisSince(start);
            assertTrue(millis >= 0 && millis < 60_000, spec + ": " + millis + " ms");
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void compiledKernelsAreCachedByMethodAndConstants(String spec) {
        try (Accelerator acc = Accelerator.open(spec)) {
            CompiledKernel plain = acc.compile(ExampleKernels.class, "axpy", Map.of());
            assertSame(plain, acc.compile(Accelerator.findKernel(ExampleKernels.class, "axpy")));
            CompiledKernel fixed = acc.compile(ExampleKernels.class, "axpy", Map.of(5, 100));
            assertNotSame(plain, fixed);
            assertSame(fixed, acc.compile(ExampleKernels.class, "axpy", Map.of(5, 100)));
            assertEquals(acc.backend() == Accelerator.Backend.JVM, plain.source().isEmpty(), spec);
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void closingTheAcceleratorClosesItsArrays(String spec) {
        Accelerator acc = Accelerator.open(spec);
        DeviceArray array = acc.allocate(FloatArray.class, 10);
        KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
        acc.close();
        acc.close();
        assertTrue(array.isClosed(), spec);
        assertEquals(0, acc.memoryStats().reservedBytes(), spec);
        array.close();
        assertThrows(IllegalStateException.class, () -> acc.allocate(FloatArray.class, 1));
        assertThrows(IllegalStateException.class, () -> axpy.launch(64, 64, acc.defaultStream()));
    }
}
