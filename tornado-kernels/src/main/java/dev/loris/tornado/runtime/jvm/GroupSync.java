package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.KernelMisuseException;
import dev.loris.tornado.api.WorkItemHost;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * The synchronisation of one cooperative work-group: its two barriers and one data exchange per warp, all
 * guarded by a single lock so that the group's whole state is known at every wait.
 *
 * <p>That makes hangs impossible: a work-item only ever waits for another one to arrive, so when every
 * work-item still running is waiting (or the last one returns while others wait), nothing can move, and
 * the group fails with a description of who waits where, instead of hanging as a GPU would. A failure of
 * any kind {@linkplain #abort aborts} the group: waiting work-items wake and unwind with {@link Aborted}.
 *
 * <p>The lock's release and acquisition order every write before a barrier before every read after it, for
 * local arrays and global memory alike.
 */
final class GroupSync {
    /** Thrown in work-items woken by an abort; carries no information (the failure is recorded elsewhere). */
    static final class Aborted extends RuntimeException {
        Aborted() {
            super("work-group aborted", null, false, false);
        }
    }

    private static final String RETURNED = "returned";

    private final ReentrantLock lock = new ReentrantLock();
    private final int size;
    private final String groupName;
    private final IntFunction<String> localName;
    private final Rendezvous[] barriers = new Rendezvous[WorkItemHost.Barrier.values().length];
    private final Rendezvous[] warps;
    /** Per work-item: the label of the rendezvous it waits at, RETURNED, or null while it runs. */
    private final String[] waitingAt;
    private int live;
    private int blocked;
    private boolean aborted;

    /** A point all parties must reach before any passes; warps also swap one value per lane through it. */
    private final class Rendezvous {
        final String label;
        /** The parties are the work-items firstItem .. firstItem + parties - 1. */
        final int firstItem;
        final int parties;
        final Condition advanced = lock.newCondition();
        /** Warps only: lane values of even and odd generations (see {@link #exchange}). */
        final long[][] slots;
        String operation;
        int arrived;
        long generation;

        Rendezvous(String label, int firstItem, int parties, boolean withSlots) {
            this.label = label;
            this.firstItem = firstItem;
            this.parties = parties;
            this.slots = withSlots ? new long[2][KernelContext.WARP_SIZE] : null;
        }
    }

    GroupSync(int size, String groupName, IntFunction<String> localName) {
        this.size = size;
        this.groupName = groupName;
        this.localName = localName;
        this.live = size;
        this.waitingAt = new String[size];
        for (WorkItemHost.Barrier barrier : WorkItemHost.Barrier.values()) {
            barriers[barrier.ordinal()] = new Rendezvous(barrier.call(), 0, size, false);
        }
        int warpCount = size % KernelContext.WARP_SIZE == 0 ? size / KernelContext.WARP_SIZE : 0;
        this.warps = new Rendezvous[warpCount];
        for (int w = 0; w < warpCount; w++) {
            int lanes = KernelContext.WARP_SIZE;
            warps[w] = new Rendezvous("simd operation in warp " + w, w * lanes, lanes, true);
        }
    }

    void barrier(int item, WorkItemHost.Barrier barrier) {
        lock.lock();
        try {
            await(barriers[barrier.ordinal()], item);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Publishes {@code bits} as {@code item}'s lane value and returns all lane values of its warp once every
     * lane has published. Generations alternate between two slot arrays: a lane reads generation g's array
     * after the exchange, and g's array is next written in generation g + 2, which cannot start before every
     * lane has arrived at g + 1, that is, finished reading g.
     */
    long[] exchange(int item, String operation, long bits) {
        lock.lock();
        try {
            checkNotAborted();
            if (warps.length == 0) {
                throw fail(operation + "() needs a work-group size that is a multiple of " + KernelContext.WARP_SIZE
                        + ", but " + groupName + " has " + size + " work-items");
            }
            Rendezvous warp = warps[item / KernelContext.WARP_SIZE];
            if (warp.arrived == 0) {
                warp.operation = operation;
            } else if (!warp.operation.equals(operation)) {
                throw fail("lanes of warp " + item / KernelContext.WARP_SIZE + " in " + groupName + " called different "
                        + "simd operations together: " + warp.operation + "() and, at local " + localName.apply(item)
                        + ", " + operation + "()");
            }
            long[] slots = warp.slots[(int) (warp.generation & 1)];
            slots[item % KernelContext.WARP_SIZE] = bits;
            await(warp, item);
            return slots;
        } finally {
            lock.unlock();
        }
    }

    /** {@code item} returned from the kernel. */
    void finished(int item) {
        lock.lock();
        try {
            live--;
            waitingAt[item] = RETURNED;
            if (!aborted && blocked > 0 && blocked == live) {
                throw stuck();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the group: every waiting work-item, and each that tries to wait later, throws {@link Aborted}. */
    void abort() {
        lock.lock();
        try {
            abortLocked();
        } finally {
            lock.unlock();
        }
    }

    private void abortLocked() {
        aborted = true;
        for (Rendezvous barrier : barriers) {
            barrier.advanced.signalAll();
        }
        for (Rendezvous warp : warps) {
            warp.advanced.signalAll();
        }
    }

    /**
     * Arrives at {@code point} and waits for its other parties. The arrival that completes a point does the
     * waiters' bookkeeping for them, so that the counts are exact at once, not when each waiter next runs.
     */
    private void await(Rendezvous point, int item) {
        checkNotAborted();
        long generation = point.generation;
        if (++point.arrived == point.parties) {
            blocked -= point.parties - 1;
            Arrays.fill(waitingAt, point.firstItem, point.firstItem + point.parties, null);
            point.arrived = 0;
            point.generation++;
            point.advanced.signalAll();
            return;
        }
        waitingAt[item] = point.label;
        if (++blocked == live) {
            throw stuck();
        }
        try {
            while (point.generation == generation && !aborted) {
                point.advanced.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortLocked();
        }
        if (point.generation == generation) {
            throw new Aborted();
        }
    }

    private void checkNotAborted() {
        if (aborted) {
            throw new Aborted();
        }
    }

    /** Marks the group aborted and returns the error for the work-item that found the misuse. */
    private KernelMisuseException fail(String message) {
        abortLocked();
        return new KernelMisuseException(message, "every work-item of a group must reach the same barriers, and "
                + "every lane of a warp the same simd operations, in the same order: keep them out of branches "
                + "that differ between work-items");
    }

    private KernelMisuseException stuck() {
        return fail(groupName + " cannot proceed, no work-item is left to arrive: " + describeWaits());
    }

    private String describeWaits() {
        Map<String, List<String>> byPlace = new LinkedHashMap<>();
        for (int item = 0; item < size; item++) {
            if (waitingAt[item] != null) {
                byPlace.computeIfAbsent(waitingAt[item], k -> new ArrayList<>()).add(localName.apply(item));
            }
        }
        List<String> parts = new ArrayList<>();
        byPlace.forEach((place, items) -> parts.add((place.equals(RETURNED) ? "returned" : "waiting at " + place)
                + ": " + items.size() + " (local " + String.join(", ", items.subList(0, Math.min(4, items.size())))
                + (items.size() > 4 ? ", ..." : "") + ")"));
        return String.join("; ", parts);
    }
}
