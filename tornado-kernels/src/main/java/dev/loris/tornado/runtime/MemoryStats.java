package dev.loris.tornado.runtime;

/**
 * Device memory as one {@link Accelerator} accounts for it, exactly: every number is kept by the allocator
 * on each allocation and release, never estimated.
 *
 * @param currentBytes      bytes of live arrays, as requested (element count times element size)
 * @param peakBytes         the highest {@code currentBytes} since opening or {@link Accelerator#resetPeakStats()}
 * @param reservedBytes     bytes held from the device: live arrays and the cache, each block at its rounded size
 * @param peakReservedBytes the highest {@code reservedBytes} since opening or the last reset
 * @param liveArrays        arrays allocated and not yet closed
 * @param allocations       arrays allocated since opening (cache hits included)
 * @param rawAllocations    allocations the device itself served since opening (cache misses)
 */
public record MemoryStats(long currentBytes, long peakBytes, long reservedBytes, long peakReservedBytes,
                          long liveArrays, long allocations, long rawAllocations) {

    /** Bytes held from the device that no live array uses: the cache, plus rounding of live arrays. */
    public long unusedReservedBytes() {
        return reservedBytes - currentBytes;
    }

    @Override
    public String toString() {
        return Units.bytes(currentBytes) + " in " + liveArrays + " arrays (peak " + Units.bytes(peakBytes) + "), "
                + Units.bytes(reservedBytes) + " reserved (peak " + Units.bytes(peakReservedBytes) + "), "
                + allocations + " allocations, " + rawAllocations + " from the device";
    }
}
