package dev.loris.tornado.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Keeps released device blocks for reuse, so that a training step that allocates and frees the same
 * activations every time reaches the device allocator (cuMemAlloc, clCreateBuffer: slow, and cuMemFree
 * waits for the whole device) only in its first step. Backend-neutral: the device is reached through a
 * {@link RawMemory}, the only part each backend writes.
 *
 * <p>Size classes. A request is rounded up to its class and only a cached block of exactly that class is
 * reused (no splitting or merging: nothing to fragment, and the books stay exact):
 * <ul>
 *   <li>up to {@link #SMALL_LIMIT} (1 MiB): multiples of {@link #SMALL_ROUNDING} (512 B). Device allocations are
 *       aligned to 256 B or more anyway, and 512 B keeps the number of small classes at 2048 while wasting
 *       less than 512 B per array;</li>
 *   <li>above: multiples of {@link #LARGE_ROUNDING} (2 MiB), the page size that backs large allocations on
 *       current GPUs, so the rounding costs little physical memory. Arrays whose size varies a little (a
 *       sequence length, a batch's token count) then share blocks; the waste is under 2 MiB per array, below
 *       10% for arrays over 20 MiB.</li>
 * </ul>
 *
 * <p>Out of memory: when the device refuses a block, every cached block is returned to the device and the
 * request is retried once; a second refusal propagates the backend's own out-of-memory exception (which names
 * the requested and the free bytes). Releasing a block makes it reusable at once: work still queued on a
 * stream that reads it must be ordered before its next user (one in-order queue does that by itself).
 *
 * <p>Thread-safe (one lock; the raw calls are made under it, which also keeps the statistics exact).
 *
 * @param <B> the backend's block type (a CUDA buffer, an OpenCL buffer)
 */
public final class CachingAllocator<B> implements AutoCloseable {
    public static final long SMALL_ROUNDING = 512;
    public static final long SMALL_LIMIT = 1L << 20;
    public static final long LARGE_ROUNDING = 2L << 20;

    /** The device's own allocator, as a caching allocator needs it. */
    public interface RawMemory<B> {
        /** A new block of exactly {@code bytes}; throws the backend's exception when the device refuses. */
        B allocate(long bytes);

        /** Returns {@code block} to the device. */
        void free(B block);

        /** Whether {@code failure}, thrown by {@link #allocate}, means the device is out of memory. */
        boolean isOutOfMemory(RuntimeException failure);

        /** A raw memory from its three parts; {@code outOfMemory} is the backend's out-of-memory exception. */
        static <B> RawMemory<B> of(LongFunction<B> allocate, Consumer<B> free,
                                   Class<? extends RuntimeException> outOfMemory) {
            return new RawMemory<>() {
                @Override
                public B allocate(long bytes) {
                    return allocate.apply(bytes);
                }

                @Override
                public void free(B block) {
                    free.accept(block);
                }

                @Override
                public boolean isOutOfMemory(RuntimeException failure) {
                    return outOfMemory.isInstance(failure);
                }
            };
        }
    }

    /** One allocation: the device block (possibly larger than requested) and the size that was asked for. */
    public static final class Allocation<B> {
        private final CachingAllocator<B> allocator;
        private final B block;
        private final long requestedBytes;
        private final long blockBytes;

        private Allocation(CachingAllocator<B> allocator, B block, long requestedBytes, long blockBytes) {
            this.allocator = allocator;
            this.block = block;
            this.requestedBytes = requestedBytes;
            this.blockBytes = blockBytes;
        }

        public B block() {
            return block;
        }

        public long requestedBytes() {
            return requestedBytes;
        }

        /** The block's size class, at least {@link #requestedBytes()}. */
        public long blockBytes() {
            return blockBytes;
        }

        /** {@link CachingAllocator#release} of this allocation. */
        public boolean release() {
            return allocator.release(this);
        }
    }

    private final RawMemory<B> raw;
    private final Map<Long, ArrayDeque<B>> cached = new HashMap<>();
    private final Set<Allocation<B>> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;
    private long currentBytes;
    private long peakBytes;
    private long reservedBytes;
    private long peakReservedBytes;
    private long allocations;
    private long rawAllocations;

    /** Whether {@code failure} is the device's out-of-memory error. */
    public boolean isOutOfMemory(RuntimeException failure) {
        return raw.isOutOfMemory(failure);
    }

    public CachingAllocator(RawMemory<B> raw) {
        this.raw = raw;
    }

    /** The size class of a request of {@code bytes} (0 bytes still get the smallest block). */
    public static long sizeClass(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("a negative allocation size: " + bytes);
        }
        long rounding = bytes <= SMALL_LIMIT ? SMALL_ROUNDING : LARGE_ROUNDING;
        long classes = Math.max(1, (bytes + rounding - 1) / rounding);
        return Math.multiplyExact(classes, rounding);
    }

    /** A block of at least {@code bytes}: a cached one of the same class, else a new one from the device. */
    public synchronized Allocation<B> allocate(long bytes) {
        requireOpen();
        long size = sizeClass(bytes);
        ArrayDeque<B> free = cached.get(size);
        B block = free == null ? null : free.pollLast();
        if (block == null) {
            block = allocateRaw(size);
        }
        Allocation<B> allocation = new Allocation<>(this, block, bytes, size);
        live.add(allocation);
        allocations++;
        currentBytes += bytes;
        peakBytes = Math.max(peakBytes, currentBytes);
        return allocation;
    }

    private B allocateRaw(long size) {
        B block;
        try {
            block = raw.allocate(size);
        } catch (RuntimeException e) {
            if (!raw.isOutOfMemory(e) || cachedBytes() == 0) {
                throw e;
            }
            emptyCache();
            block = raw.allocate(size); // a second refusal propagates: nothing more can be freed here
        }
        rawAllocations++;
        reservedBytes += size;
        peakReservedBytes = Math.max(peakReservedBytes, reservedBytes);
        return block;
    }

    /**
     * Returns {@code allocation}'s block to the cache; true the first time, false if it was released already
     * (or the allocator closed, which freed it).
     */
    public synchronized boolean release(Allocation<B> allocation) {
        if (!live.remove(allocation)) {
            return false;
        }
        currentBytes -= allocation.requestedBytes;
        cached.computeIfAbsent(allocation.blockBytes, size -> new ArrayDeque<>()).addLast(allocation.block);
        return true;
    }

    /** Whether {@code allocation} is live: allocated here and neither released nor freed by close. */
    public synchronized boolean isLive(Allocation<B> allocation) {
        return live.contains(allocation);
    }

    /** Returns every cached block to the device; live blocks are untouched. */
    public synchronized void emptyCache() {
        RuntimeException failure = null;
        for (Map.Entry<Long, ArrayDeque<B>> entry : cached.entrySet()) {
            for (B block : entry.getValue()) {
                failure = freeRaw(block, entry.getKey(), failure);
            }
        }
        cached.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Bytes held in cached (released, not yet reused) blocks. */
    public synchronized long cachedBytes() {
        long bytes = 0;
        for (Map.Entry<Long, ArrayDeque<B>> entry : cached.entrySet()) {
            bytes += entry.getKey() * entry.getValue().size();
        }
        return bytes;
    }

    public synchronized MemoryStats stats() {
        return new MemoryStats(currentBytes, peakBytes, reservedBytes, peakReservedBytes, live.size(), allocations,
                rawAllocations);
    }

    /** Starts the peaks again from the current values, to measure one phase of a run. */
    public synchronized void resetPeaks() {
        peakBytes = currentBytes;
        peakReservedBytes = reservedBytes;
    }

    /**
     * Frees every block, live ones included (their arrays become unusable); later calls to {@link #allocate}
     * fail. Every block is attempted; the first failure is thrown afterwards.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        List<Allocation<B>> remaining = new ArrayList<>(live);
        live.clear();
        for (Allocation<B> allocation : remaining) {
            currentBytes -= allocation.requestedBytes;
            failure = freeRaw(allocation.block, allocation.blockBytes, failure);
        }
        try {
            emptyCache();
        } catch (RuntimeException e) {
            failure = combine(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private RuntimeException freeRaw(B block, long size, RuntimeException earlier) {
        reservedBytes -= size; // counted as returned even if the free fails: the block is unusable either way
        try {
            raw.free(block);
            return earlier;
        } catch (RuntimeException e) {
            return combine(earlier, e);
        }
    }

    private static RuntimeException combine(RuntimeException earlier, RuntimeException next) {
        if (earlier == null) {
            return next;
        }
        earlier.addSuppressed(next);
        return earlier;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the device allocator is closed (its accelerator was closed)");
        }
    }
}
