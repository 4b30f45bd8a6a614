package dev.loris.tornado.runtime;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caching allocator's logic over a fake device with a fixed capacity: no device needed. */
class CachingAllocatorTest {
    private static final long MIB = 1L << 20;

    /** A device of {@code capacity} bytes whose blocks are numbered; refuses with its own exception type. */
    static class FakeDevice implements CachingAllocator.RawMemory<FakeDevice.Block> {
        record Block(long id, long bytes) {
        }

        static final class OutOfFakeMemory extends RuntimeException {
            OutOfFakeMemory(long requested, long free) {
                super("fake device cannot allocate " + requested + " bytes, " + free + " free");
            }
        }

        final long capacity;
        final Set<Block> live = new HashSet<>();
        long used;
        long nextId;
        int allocateCalls;
        int freeCalls;

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public Block allocate(long bytes) {
            allocateCalls++;
            if (used + bytes > capacity) {
                throw new OutOfFakeMemory(bytes, capacity - used);
            }
            used += bytes;
            Block block = new Block(nextId++, bytes);
            live.add(block);
            return block;
        }

        @Override
        public void free(Block block) {
            freeCalls++;
            assertTrue(live.remove(block), "double free of " + block);
            used -= block.bytes();
        }

        @Override
        public boolean isOutOfMemory(RuntimeException failure) {
            return failure instanceof OutOfFakeMemory;
        }
    }

    @Test
    void sizeClassesRoundSmallTo512BytesAndLargeTo2MiB() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(MIB, CachingAllocator.sizeClass(MIB));
        assertEquals(2 * MIB, CachingAllocator.sizeClass(MIB + 1));
        assertEquals(4 * MIB, CachingAllocator.sizeClass(2 * MIB + 1));
        assertEquals(100 * MIB, CachingAllocator.sizeClass(99 * MIB));
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.sizeClass(-1));
    }

    @Test
    void aReleasedBlockIsReusedForTheSameClassOnly() {
        FakeDevice device = new FakeDevice(64 * MIB);
        try (CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device)) {
            var first = allocator.allocate(1000);
            assertEquals(1024, first.blockBytes());
            assertTrue(allocator.release(first));
            assertFalse(allocator.release(first), "a second release is refused");
            var same = allocator.allocate(1020); // same class (1024)
            assertSame(first.block(), same.block());
            var other = allocator.allocate(1030); // class 1536: a new block
            assertFalse(other.block().equals(first.block()));
            assertEquals(2, device.allocateCalls);
            MemoryStats stats = allocator.stats();
            assertEquals(1020 + 1030, stats.currentBytes());
            assertEquals(1024 + 1536, stats.reservedBytes());
            assertEquals(2, stats.liveArrays());
            assertEquals(3, stats.allocations());
            assertEquals(2, stats.rawAllocations());
        }
        assertEquals(0, device.used, "close returns live and cached blocks");
    }

    @Test
    void statisticsStayExactOverRandomAllocationsAndReleases() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        FakeDevice device = new FakeDevice(Long.MAX_VALUE);
        List<CachingAllocator.Allocation<FakeDevice.Block>> held = new ArrayList<>();
        long expectedCurrent = 0;
        long expectedPeak = 0;
        try (CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device)) {
            for (int step = 0; step < 2000; step++) {
                if (held.isEmpty() || random.nextInt(3) > 0) {
                    long bytes = random.nextBoolean() ? random.nextInt(5000) : random.nextLong(8 * MIB);
                    held.add(allocator.allocate(bytes));
                    expectedCurrent += bytes;
                    expectedPeak = Math.max(expectedPeak, expectedCurrent);
                } else {
                    var released = held.remove(random.nextInt(held.size()));
                    allocator.release(released);
                    expectedCurrent -= released.requestedBytes();
                }
                MemoryStats stats = allocator.stats();
                assertEquals(expectedCurrent, stats.currentBytes(), "seed " + seed + " step " + step);
                assertEquals(expectedPeak, stats.peakBytes(), "seed " + seed + " step " + step);
                assertEquals(held.size(), stats.liveArrays(), "seed " + seed);
                assertEquals(device.used, stats.reservedBytes(), "seed " + seed + ": reserved is what the device lent");
                assertEquals(device.used - allocator.cachedBytes(),
                        held.stream().mapToLong(CachingAllocator.Allocation::blockBytes).sum(), "seed " + seed);
                assertTrue(stats.peakReservedBytes() >= stats.reservedBytes(), "seed " + seed);
            }
            allocator.resetPeaks();
            assertEquals(allocator.stats().currentBytes(), allocator.stats().peakBytes());
        }
        assertEquals(0, device.used, "seed " + seed);
        assertTrue(device.live.isEmpty(), "seed " + seed);
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetriesOnce() {
        FakeDevice device = new FakeDevice(10 * MIB);
        try (CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device)) {
            var a = allocator.allocate(3 * MIB); // class 4 MiB
            var b = allocator.allocate(3 * MIB);
            allocator.release(a);
            allocator.release(b);
            assertEquals(8 * MIB, allocator.cachedBytes());
            var big = allocator.allocate(5 * MIB); // class 6 MiB: only 2 MiB free until the cache is emptied
            assertEquals(6 * MIB, big.blockBytes());
            assertEquals(0, allocator.cachedBytes());
            assertEquals(2, device.freeCalls);
            MemoryStats stats = allocator.stats();
            assertEquals(6 * MIB, stats.reservedBytes());
            assertEquals(8 * MIB, stats.peakReservedBytes());
        }
    }

    @Test
    void aSecondRefusalThrowsTheDevicesOwnError() {
        FakeDevice device = new FakeDevice(10 * MIB);
        try (CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device)) {
            var kept = allocator.allocate(6 * MIB);
            allocator.release(allocator.allocate(1000));
            var e = assertThrows(FakeDevice.OutOfFakeMemory.class, () -> allocator.allocate(6 * MIB));
            assertTrue(e.getMessage().contains(6 * MIB + " bytes"), e.getMessage());
            assertEquals(0, allocator.cachedBytes(), "the cache was emptied before the retry");
            assertEquals(4, device.allocateCalls, "two blocks, then a first try and one retry");
            assertTrue(allocator.isLive(kept));
            MemoryStats stats = allocator.stats();
            assertEquals(6 * MIB, stats.currentBytes());
            assertEquals(1, stats.liveArrays());
        }
    }

    @Test
    void otherFailuresPropagateWithoutEmptyingTheCache() {
        FakeDevice device = new FakeDevice(10 * MIB) {
            @Override
            public Block allocate(long bytes) {
                if (bytes > 4 * MIB) {
                    throw new IllegalStateException("device lost");
                }
                return super.allocate(bytes);
            }
        };
        try (CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device)) {
            allocator.release(allocator.allocate(100));
            assertThrows(IllegalStateException.class, () -> allocator.allocate(8 * MIB));
            assertEquals(512, allocator.cachedBytes());
        }
    }

    @Test
    void closeFreesEverythingAndRefusesLaterUse() {
        FakeDevice device = new FakeDevice(10 * MIB);
        CachingAllocator<FakeDevice.Block> allocator = new CachingAllocator<>(device);
        var live = allocator.allocate(100);
        allocator.release(allocator.allocate(2 * MIB));
        allocator.close();
        assertEquals(0, device.used);
        assertFalse(allocator.isLive(live));
        assertFalse(allocator.release(live), "releasing after close is harmless");
        assertEquals(0, allocator.stats().reservedBytes());
        assertThrows(IllegalStateException.class, () -> allocator.allocate(1));
        allocator.close();
        assertEquals(2, device.freeCalls);
    }
}
