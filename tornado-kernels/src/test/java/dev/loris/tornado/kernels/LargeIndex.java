package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.ByteArray;

/**
 * Addressing past 2^31 elements: a read-modify-write of whole rows of a byte array viewed as rows of
 * {@code rowLength}, at long indices {@code (firstRow + row) * rowLength + column}. Every element gets
 * {@link #mark} of its own index added, so an index truncated to 32 bits, or computed in int and widened,
 * writes the wrong element or the wrong value.
 *
 * <p>Grid: 2D, global = {rowLength, rows}, local = {L, 1} with rowLength a multiple of L; launches cover a
 * band of rows from {@code firstRow}, so a test can touch the ends of a 2^31+ array without running 2^31
 * work-items. Exact.
 */
public final class LargeIndex {
    private LargeIndex() {
    }

    public static void addMarks(KernelContext ctx, ByteArray data, long firstRow, int rowLength) {
        long index = (firstRow + ctx.globalIdy) * rowLength + ctx.globalIdx;
        data.set(index, (byte) (data.get(index) + mark(index)));
    }

    /** A byte that depends on every bit range of the index, the 2^31 bit included. */
    public static byte mark(long index) {
        return (byte) ((index >>> 31) * 97 + (index >>> 16) * 7 + index);
    }
}
