package dev.loris.tornado.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One work-item's {@code cp.async} copies on the JVM, kept as PTX keeps them: copies issued since the last
 * commit, then committed groups oldest first. A copy happens only when a wait retires its group, the latest
 * moment a device may complete it, so a kernel that reads local memory before waiting sees stale values here
 * too instead of passing by luck. Alignment and counts are checked as devices require them.
 */
final class AsyncCopies {
    private static final int ELEMENTS = 8;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private List<Runnable> open = new ArrayList<>();
    private final ArrayDeque<List<Runnable>> committed = new ArrayDeque<>();

    void issue(short[] local, int localIndex, MemorySegment global, long globalIndex, int count) {
        if (localIndex % ELEMENTS != 0 || globalIndex % ELEMENTS != 0) {
            throw new KernelMisuseException("copyAsync() from element " + globalIndex + " to local element "
                    + localIndex + ": both must be multiples of 8 (16-byte aligned)",
                    "align tiles and global rows to 8 elements, or load unaligned data with plain reads");
        }
        if (count < 0 || count > ELEMENTS) {
            throw new KernelMisuseException("copyAsync() of " + count + " elements", "copy 0 to 8 elements");
        }
        if (localIndex < 0 || localIndex + ELEMENTS > local.length) {
            throw new ArrayIndexOutOfBoundsException("copyAsync() to local elements " + localIndex + ".."
                    + (localIndex + ELEMENTS - 1) + " of " + local.length);
        }
        long available = global.byteSize() / 2;
        if (count > 0 && (globalIndex < 0 || globalIndex + count > available)) {
            throw new ArrayIndexOutOfBoundsException("copyAsync() of elements " + globalIndex + ".."
                    + (globalIndex + count - 1) + " of an array of " + available);
        }
        open.add(() -> {
            for (int e = 0; e < ELEMENTS; e++) {
                local[localIndex + e] = e < count ? global.getAtIndex(SHORT, globalIndex + e) : 0;
            }
        });
    }

    void commit() {
        committed.addLast(open);
        open = new ArrayList<>();
    }

    void waitUntil(int pendingGroups) {
        while (committed.size() > Math.max(pendingGroups, 0)) {
            committed.removeFirst().forEach(Runnable::run);
        }
    }
}
