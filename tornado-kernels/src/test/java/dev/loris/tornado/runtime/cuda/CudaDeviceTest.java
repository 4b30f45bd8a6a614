package dev.loris.tornado.runtime.cuda;

import dev.loris.testing.RequiresCuda;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ring 3: device facts, memory, launches and their bookkeeping on a real GPU (device 0). */
@RequiresCuda
class CudaDeviceTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void reportsWhatTheDriverKnowsAboutTheDevice() {
        try (CudaDevice device = CudaDevice.open(0)) {
            CudaDeviceProperties p = device.properties();
            String facts = p.toString();
            assertFalse(p.name().isBlank(), facts);
            assertTrue(p.computeCapabilityMajor() >= 5, facts);
            assertTrue(p.multiprocessors() > 0, facts);
            assertEquals(32, p.warpSize(), facts);
            assertTrue(p.maxThreadsPerBlock() >= 512, facts);
            assertTrue(p.sharedBytesPerBlock() > 0 && p.sharedBytesPerBlockOptin() >= p.sharedBytesPerBlock(), facts);
            assertTrue(p.l2CacheBytes() > 0 && p.memoryClockKhz() > 0 && p.memoryBusWidthBits() > 0, facts);
            long free = device.freeMemoryBytes();
            assertTrue(free > 0 && free <= device.totalMemoryBytes(), free + " free, " + facts);
            System.out.println(device + ": " + facts + ", peak DRAM "
                    + Math.round(p.peakMemoryBytesPerSecond() / 1e9) + " GB/s");
        }
    }

    @Test
    void vectorAddMatchesJavaOnRandomFloatsFromAnotherThread() throws InterruptedException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 1 + random.nextInt(1 << 20);
        int padding = 1 + random.nextInt(VectorAdd.BLOCK);
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(JAVA_FLOAT, n);
            MemorySegment b = arena.allocate(JAVA_FLOAT, n);
            MemorySegment c = arena.allocate(JAVA_FLOAT, n + padding);
            VectorAdd.randomize(a, random);
            VectorAdd.randomize(b, random);
            // The driver's current context is per thread: a thread that never touched CUDA must still work.
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try (CudaModule module = device.load(TestPtx.KERNELS);
                     CudaBuffer da = device.allocate(a.byteSize());
                     CudaBuffer db = device.allocate(b.byteSize());
                     CudaBuffer dc = device.allocate(c.byteSize())) {
                    da.copyFrom(a);
                    db.copyFrom(b);
                    dc.fillInts(VectorAdd.NAN_BITS);
                    VectorAdd.launch(module.function("vectorAdd"), device.defaultStream(), da, db, dc, n);
                    dc.copyTo(c);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            worker.start();
            worker.join();
            assertNull(failure.get(), () -> "seed " + seed + ": " + failure.get());
            VectorAdd.assertSums(a, b, c, n, seed);
        }
    }

    @Test
    void scalarArgumentsArriveWithTheirTypesAndValues() {
        long seed = System.nanoTime();
        TestPtx.Scalars scalars = TestPtx.Scalars.random(new Random(seed));
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined();
             CudaModule module = device.load(TestPtx.KERNELS);
             CudaBuffer out = device.allocate(TestPtx.Scalars.OUTPUT_BYTES)) {
            out.fillBytes((byte) 0xA5);
            module.function("storeScalars").launch(Dim3.of(1), Dim3.of(1), 0, device.defaultStream(),
                    scalars.arguments(out.address()));
            MemorySegment host = arena.allocate(TestPtx.Scalars.OUTPUT_BYTES, 8);
            out.copyTo(host);
            String context = "seed " + seed + ", " + scalars;
            assertEquals(scalars.i32(), host.get(JAVA_INT, TestPtx.Scalars.I32_OFFSET), context);
            assertEquals(Float.floatToRawIntBits(scalars.f32()),
                    Float.floatToRawIntBits(host.get(JAVA_FLOAT, TestPtx.Scalars.F32_OFFSET)), context);
            assertEquals(scalars.i64(), host.get(JAVA_LONG, TestPtx.Scalars.I64_OFFSET), context);
            assertEquals(Double.doubleToRawLongBits(scalars.f64()),
                    Double.doubleToRawLongBits(host.get(JAVA_DOUBLE, TestPtx.Scalars.F64_OFFSET)), context);
        }
    }

    @Test
    void copiesAtOffsetsBetweenBuffersAndFillsMoveExactlyTheirBytes() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int size = 4096 + random.nextInt(4096);
        int offset = random.nextInt(size / 2);
        int length = 1 + random.nextInt(size - offset);
        byte fill = (byte) random.nextInt();
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined();
             CudaBuffer first = device.allocate(size); CudaBuffer second = device.allocate(size)) {
            MemorySegment source = arena.allocate(length);
            for (int i = 0; i < length; i++) {
                source.set(JAVA_BYTE, i, (byte) random.nextInt());
            }
            first.fillBytes(fill);
            first.copyFrom(source, offset);
            second.fillBytes((byte) ~fill);
            second.copyFrom(first);
            MemorySegment whole = arena.allocate(size);
            second.copyTo(whole);
            for (int i = 0; i < size; i++) {
                byte expected = i >= offset && i < offset + length ? source.get(JAVA_BYTE, i - offset) : fill;
                assertEquals(expected, whole.get(JAVA_BYTE, i), "seed " + seed + ", byte " + i);
            }
            MemorySegment window = arena.allocate(length);
            second.copyTo(window, offset);
            assertEquals(-1, window.mismatch(source), "seed " + seed);
            assertThrows(IndexOutOfBoundsException.class, () -> first.copyTo(whole, 1));
            assertThrows(IllegalArgumentException.class, () -> first.copyFrom(MemorySegment.ofArray(new byte[4])));
        }
    }

    @Test
    void allocatingMoreThanTheDeviceHoldsNamesRequestedAndFreeBytes() {
        try (CudaDevice device = CudaDevice.open(0)) {
            long requested = device.totalMemoryBytes() + 1024 * MIB;
            CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class,
                    () -> device.allocate(requested));
            assertEquals(CudaErrors.OUT_OF_MEMORY, e.code(), e.getMessage());
            assertEquals(requested, e.requestedBytes());
            assertTrue(e.freeBytes() > 0 && e.freeBytes() <= device.totalMemoryBytes(), e.getMessage());
            assertTrue(e.getMessage().contains(requested + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains(e.freeBytes() + " bytes) free"), e.getMessage());
            assertFalse(e.hint().isEmpty());
            assertEquals(0, device.memoryStats().liveAllocations());
            try (CudaBuffer afterwards = device.allocate(MIB)) {
                afterwards.fillBytes((byte) 1);
            }
        }
    }

    @Test
    void thousandAllocateLaunchFreeCyclesLeaveNothingAllocated() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 4096 + random.nextInt(4096);
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined();
             CudaModule module = device.load(TestPtx.KERNELS)) {
            CudaFunction vectorAdd = module.function("vectorAdd");
            MemorySegment a = arena.allocate(JAVA_FLOAT, n);
            MemorySegment b = arena.allocate(JAVA_FLOAT, n);
            MemorySegment c = arena.allocate(JAVA_FLOAT, n);
            VectorAdd.randomize(a, random);
            VectorAdd.randomize(b, random);
            cycle(device, vectorAdd, a, b, c, n, seed); // first launch: lets the driver make its own reservations
            long freeBefore = device.freeMemoryBytes();
            for (int i = 0; i < 1000; i++) {
                cycle(device, vectorAdd, a, b, c, n, seed);
            }
            CudaDevice.MemoryStats stats = device.memoryStats();
            assertEquals(0, stats.liveAllocations(), stats.toString());
            assertEquals(0, stats.liveBytes(), stats.toString());
            assertEquals(3L * Float.BYTES * n, stats.peakBytes(), stats.toString());
            long freeAfter = device.freeMemoryBytes();
            assertTrue(freeAfter >= freeBefore - 64 * MIB, "free memory fell from " + freeBefore + " to " + freeAfter);
        }
    }

    private static void cycle(CudaDevice device, CudaFunction vectorAdd, MemorySegment a, MemorySegment b,
                              MemorySegment c, int n, long seed) {
        VectorAdd.poison(c);
        try (CudaBuffer da = device.allocate(a.byteSize());
             CudaBuffer db = device.allocate(b.byteSize());
             CudaBuffer dc = device.allocate(c.byteSize())) {
            da.copyFrom(a);
            db.copyFrom(b);
            dc.fillInts(VectorAdd.NAN_BITS);
            VectorAdd.launch(vectorAdd, device.defaultStream(), da, db, dc, n);
            dc.copyTo(c);
        }
        VectorAdd.assertSums(a, b, c, n, seed);
    }

    @Test
    void closingTheDeviceReleasesWhatIsStillOpen() {
        CudaDevice device = CudaDevice.open(0);
        CudaBuffer buffer = device.allocate(MIB);
        CudaModule module = device.load(TestPtx.KERNELS);
        CudaStream stream = device.createStream();
        CudaEvent event = device.createEvent();
        MemorySegment pinned = device.allocatePinned(MIB);
        event.record(stream);
        assertEquals(new CudaDevice.MemoryStats(1, MIB, MIB, MIB), device.memoryStats());

        device.close();

        assertEquals(new CudaDevice.MemoryStats(0, 0, MIB, 0), device.memoryStats());
        assertThrows(IllegalStateException.class, buffer::address);
        assertThrows(IllegalStateException.class, () -> module.function("vectorAdd"));
        assertThrows(IllegalStateException.class, stream::handle);
        assertThrows(IllegalStateException.class, event::synchronize);
        assertThrows(IllegalStateException.class, () -> pinned.get(JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> device.allocate(MIB));
        buffer.close(); // closing again is harmless
        device.close();
    }
}
