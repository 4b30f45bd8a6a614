package dev.loris.tornado.runtime;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.examples.ExampleKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What activation offload needs from every backend (the JVM, OpenCL on PoCL, CUDA on a GPU): pinned host
 * arrays, a copy stream, asynchronous copies both ways, and events that order the copy stream with the
 * default stream. A kernel overwrites the source right after the copy was queued (after waiting for its
 * event), so a wait that does not hold shows as a host copy of the overwritten values.
 */
class PinnedCopiesTest {
    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void eventsOrderCopiesOnTheCopyStreamWithKernelsOnTheDefaultStream(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 200_000 + random.nextInt(100_000);
        FloatArray original = ExecTestKernels.randomFloats(random, n);
        FloatArray ones = new FloatArray(n);
        ones.init(1f);
        try (Accelerator acc = Accelerator.open(spec);
             DeviceStream copies = acc.createCopyStream();
             DeviceEvent written = acc.createEvent(); DeviceEvent copied = acc.createEvent();
             DeviceArray source = acc.allocate(FloatArray.class, n);
             DeviceArray addend = acc.upload(ones);
             DeviceArray back = acc.allocate(FloatArray.class, n);
             PinnedHostArray host = acc.allocatePinned(FloatArray.class, n)) {
            assertEquals(4L * n, acc.pinnedBytes());
            back.poison();
            DeviceStream compute = acc.defaultStream();
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            source.copyFromAsync(original, compute);
            written.record(compute);
            copies.waitFor(written);
            source.copyToAsync(host.array(), copies);   // device -> pinned host, beside the default stream
            copied.record(copies);
            compute.waitFor(copied);
            // source = 2 * source + 1, in place: only after the copy above has read it
            axpy.set(1, 2f).set(2, source).set(3, addend).set(4, source).set(5, n)
                    .launch((n + 127) / 128 * 128L, 128, compute);
            written.record(compute);
            copies.waitFor(written);
            back.copyFromAsync(host.array(), copies);  // pinned host -> device
            copies.synchronize();
            compute.synchronize();
            FloatArray returned = new FloatArray(n);
            back.copyTo(returned);
            FloatArray updated = new FloatArray(n);
            source.copyTo(updated);
            for (int i = 0; i < n; i++) {
                assertEquals(original.get(i), returned.get(i), 0f, spec + " seed " + seed + " element " + i);
                assertEquals(2 * original.get(i) + 1, updated.get(i), 0f, spec + " seed " + seed + " element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void pinnedBytesAreCountedAndFreedAlsoWhenTheAcceleratorCloses(String spec) {
        PinnedHostArray left;
        try (Accelerator acc = Accelerator.open(spec)) {
            try (PinnedHostArray a = acc.allocatePinned(FloatArray.class, 1000)) {
                left = acc.allocatePinned(FloatArray.class, 24);
                assertEquals(4096, acc.pinnedBytes());
                assertEquals(1000, a.array().length());
            }
            assertEquals(96, acc.pinnedBytes());
            assertTrue(acc.peakPinnedBytes() >= 4096);
            acc.resetPeakStats();
            assertEquals(96, acc.peakPinnedBytes());
            assertThrows(IllegalArgumentException.class, () -> acc.allocatePinned(FloatArray.class, 0));
        }
        assertThrows(IllegalStateException.class, left::array, "closing the accelerator frees its pinned arrays");
    }

    /**
     * A closed pinned array's memory serves the next request of its size class (an offloading step asks for the
     * same buffers every step); emptyCache gives it back, and a request of another class gets new memory.
     */
    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void closedPinnedMemoryIsReusedForTheSameSizeUntilTheCacheIsEmptied(String spec) {
        try (Accelerator acc = Accelerator.open(spec)) {
            long address;
            try (PinnedHostArray first = acc.allocatePinned(FloatArray.class, 300_000)) {
                address = first.array().getSegment().address();
            }
            assertEquals(0, acc.pinnedBytes());
            assertEquals(CachingAllocator.sizeClass(1_200_000), acc.cachedPinnedBytes());
            try (PinnedHostArray again = acc.allocatePinned(FloatArray.class, 299_000)) {
                assertEquals(address, again.array().getSegment().address(), "the same size class reuses the block");
                assertEquals(299_000, again.array().length());
                assertEquals(0, acc.cachedPinnedBytes());
            }
            acc.emptyCache();
            assertEquals(0, acc.cachedPinnedBytes());
            try (PinnedHostArray other = acc.allocatePinned(FloatArray.class, 1_000_000)) {
                other.array().getSegment().fill((byte) 1); // new memory, writable to its end
                assertEquals(4_000_000, acc.pinnedBytes());
            }
        }
    }
}
