package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Host-side validation of index arrays before a kernel uses them: a kernel cannot throw on a device, and an
 * index outside its table reads or writes out of bounds. Callers turn the position found into a
 * LorisException naming the value and where it sits.
 */
final class HostIndexCheck {
    private HostIndexCheck() {
    }

    /** The first position whose value lies outside [0, bound), or -1 when all are inside. */
    static long firstOutside(IntArray values, int bound) {
        for (long i = 0; i < values.length(); i++) {
            int v = values.get(i);
            if (v < 0 || v >= bound) {
                return i;
            }
        }
        return -1;
    }
}
