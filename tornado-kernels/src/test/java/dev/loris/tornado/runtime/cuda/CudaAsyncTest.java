package dev.loris.tornado.runtime.cuda;

import dev.loris.testing.RequiresCuda;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ring 3: stream-ordered copies and launches from pinned memory, timed by events. */
@RequiresCuda
class CudaAsyncTest {

    @Test
    void asyncCopiesAndALaunchOnAStreamAreOrderedAndTimed() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = (1 << 22) + random.nextInt(1 << 20);
        long bytes = (long) Float.BYTES * n;
        try (CudaDevice device = CudaDevice.open(0)) {
            MemorySegment a = device.allocatePinned(bytes);
            MemorySegment b = device.allocatePinned(bytes);
            MemorySegment c = device.allocatePinned(bytes);
            assertEquals(3 * bytes, device.memoryStats().pinnedBytes());
            VectorAdd.randomize(a, random);
            VectorAdd.randomize(b, random);
            VectorAdd.poison(c);
            float millis;
            try (CudaModule module = device.load(TestPtx.KERNELS);
                 CudaStream stream = device.createStream();
                 CudaEvent start = device.createEvent();
                 CudaEvent end = device.createEvent();
                 CudaBuffer da = device.allocate(bytes);
                 CudaBuffer db = device.allocate(bytes);
                 CudaBuffer dc = device.allocate(bytes);
                 CudaBuffer copy = device.allocate(bytes)) {
                dc.fillIntsAsync(VectorAdd.NAN_BITS, stream);
                copy.fillBytesAsync((byte) 0xFF, stream);
                start.record(stream);
                da.copyFromAsync(a, 0, stream);
                db.copyFromAsync(b, 0, stream);
                VectorAdd.launch(module.function("vectorAdd"), stream, da, db, dc, n);
                copy.copyFromAsync(dc, stream);
                copy.copyToAsync(c, 0, stream);
                end.record(stream);
                end.synchronize();
                millis = end.millisSince(start);
                stream.synchronize();
            }
            assertTrue(millis > 0, "elapsed " + millis + " ms");
            System.out.printf("copied %d MiB in, %d MiB out and added %d floats in %.3f ms%n",
                    2 * bytes >> 20, bytes >> 20, n, millis);
            VectorAdd.assertSums(a, b, c, n, seed);

            device.freePinned(a);
            assertEquals(2 * bytes, device.memoryStats().pinnedBytes());
            assertThrows(IllegalStateException.class, () -> a.get(JAVA_FLOAT, 0));
            assertThrows(IllegalArgumentException.class, () -> device.freePinned(a));
        }
    }
}
