package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.KernelMisuseException;
import dev.loris.tornado.api.WorkItemHost;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The synchronisation of one cooperative work-group: its two barriers and one data exchange per warp. This
 * class keeps the group's whole state (who waits where, who returned) and finds misuse; how a work-item
 * waits is its subclasses' part: {@link CooperativeGroup}'s blocks a virtual thread under a lock,
 * {@link ContinuationGroups}' suspends a continuation and needs no lock, since all of its work-items run on
 * one thread.
 *
 * <p>That makes hangs impossible: a work-item only ever waits for another one to arrive, so when every
 * work-item still running is waiting (or the last one returns while others wait), nothing can move, and
 * the group fails with a description of who waits where, instead of hanging as a GPU would. A failure of
 * any kind {@linkplain #abort aborts} the group: waiting work-items wake and unwind with {@link Aborted}.
 *
 * <p>Every method that reads or writes the state runs between {@link #enter} and {@link #exit}; with the
 * lock, its release and acquisition order every write before a barrier before every read after it, for
 * local arrays and global memory alike (on one thread, program order does).
 */
abstract class GroupSync {
    /** Thrown in work-items woken by an abort; carries no information (the failure is recorded elsewhere). */
    static final class Aborted extends RuntimeException {
        Aborted() {
            super("work-group aborted", null, false, false);
        }
    }

    static final String RETURNED = "returned";

    private final Grid grid;
    private final int size;
    /** The group's barriers (by {@link WorkItemHost.Barrier} ordinal), then its warps, in one array. */
    private final Rendezvous[] points;
    private final int warpCount;
    /** Per work-item: the label of the rendezvous it waits at, RETURNED, or null while it runs. */
    private final String[] waitingAt;
    private long group;
    private int live;
    private int blocked;
    private boolean aborted;

    /** A point all parties must reach before any passes; warps also swap one value per lane through it. */
    static final class Rendezvous {
        final int index;
        final String label;
        /** The parties are the work-items firstItem .. firstItem + parties - 1. */
        final int firstItem;
        final int parties;
        /** Warps only: lane values of even and odd generations (see {@link #exchange}). */
        final long[][] slots;
        String operation;
        int arrived;
        long generation;

        Rendezvous(int index, String label, int firstItem, int parties, boolean withSlots) {
            this.index = index;
            this.label = label;
            this.firstItem = firstItem;
            this.parties = parties;
            this.slots = withSlots ? new long[2][KernelContext.WARP_SIZE] : null;
        }
    }

    /** The synchronisation of groups of {@code grid}; {@link #reset} picks the group. */
    GroupSync(Grid grid) {
        this.grid = grid;
        this.size = grid.groupSize();
        this.waitingAt = new String[size];
        this.warpCount = size % KernelContext.WARP_SIZE == 0 ? size / KernelContext.WARP_SIZE : 0;
        int barrierCount = WorkItemHost.Barrier.values().length;
        this.points = new Rendezvous[barrierCount + warpCount];
        for (WorkItemHost.Barrier barrier : WorkItemHost.Barrier.values()) {
            points[barrier.ordinal()] = new Rendezvous(barrier.ordinal(), barrier.call(), 0, size, false);
        }
        for (int w = 0; w < warpCount; w++) {
            int lanes = KernelContext.WARP_SIZE;
            points[barrierCount + w] = new Rendezvous(barrierCount + w, "simd operation in warp " + w, w * lanes,
                    lanes, true);
        }
        this.live = size;
    }

    /** Starts over for linear group {@code group}: every work-item running, none waiting, not aborted. */
    final void reset(long group) {
        this.group = group;
        this.live = size;
        this.blocked = 0;
        this.aborted = false;
        Arrays.fill(waitingAt, null);
        for (Rendezvous point : points) {
            point.arrived = 0;
            point.operation = null;
        }
    }

    /** Makes the calling work-item the only one touching the state (a lock, or nothing on one thread). */
    protected abstract void enter();

    protected abstract void exit();

    /**
     * Suspends the calling work-item until {@code point} has passed {@code generation} or the group is aborted;
     * called entered (a blocking subclass releases the lock while it waits and retakes it before returning).
     */
    protected abstract void suspend(Rendezvous point, long generation);

    /** {@code point} just completed a generation: its parties may go on. */
    protected abstract void released(Rendezvous point);

    /** The group was aborted: every suspended work-item may go on (and will throw {@link Aborted}). */
    protected abstract void releasedAll();

    final int groupSize() {
        return size;
    }

    /** How many rendezvous the group has: its barriers, then its warps (a {@link Rendezvous#index} is below). */
    final int pointCount() {
        return points.length;
    }

    /** Whether {@code item} is neither waiting nor returned, or the group is aborted and it has not returned. */
    final boolean mayRun(int item) {
        String at = waitingAt[item];
        return at == null || aborted && at != RETURNED;
    }

    final boolean hasReturned(int item) {
        return waitingAt[item] == RETURNED;
    }

    final boolean aborted() {
        return aborted;
    }

    void barrier(int item, WorkItemHost.Barrier barrier) {
        enter();
        try {
            await(points[barrier.ordinal()], item);
        } finally {
            exit();
        }
    }

    /**
     * Publishes {@code bits} as {@code item}'s lane value and returns all lane values of its warp once every
     * lane has published. Generations alternate between two slot arrays: a lane reads generation g's array
     * after the exchange, and g's array is next written in generation g + 2, which cannot start before every
     * lane has arrived at g + 1, that is, finished reading g.
     */
    long[] exchange(int item, String operation, long bits) {
        enter();
        try {
            checkNotAborted();
            if (warpCount == 0) {
                throw fail(operation + "() needs a work-group size that is a multiple of " + KernelContext.WARP_SIZE
                        + ", but " + groupName() + " has " + size + " work-items");
            }
            Rendezvous warp = points[WorkItemHost.Barrier.values().length + item / KernelContext.WARP_SIZE];
            if (warp.arrived == 0) {
                warp.operation = operation;
            } else if (!warp.operation.equals(operation)) {
                throw fail("lanes of warp " + item / KernelContext.WARP_SIZE + " in " + groupName() + " called "
                        + "different simd operations together: " + warp.operation + "() and, at local "
                        + grid.describeLocal(item) + ", " + operation + "()");
            }
            long[] slots = warp.slots[(int) (warp.generation & 1)];
            slots[item % KernelContext.WARP_SIZE] = bits;
            await(warp, item);
            return slots;
        } finally {
            exit();
        }
    }

    /** {@code item} returned from the kernel. */
    void finished(int item) {
        enter();
        try {
            live--;
            waitingAt[item] = RETURNED;
            if (!aborted && blocked > 0 && blocked == live) {
                throw stuck();
            }
        } finally {
            exit();
        }
    }

    /** Stops the group: every waiting work-item, and each that tries to wait later, throws {@link Aborted}. */
    void abort() {
        enter();
        try {
            abortEntered();
        } finally {
            exit();
        }
    }

    /** {@link #abort} for a caller that has entered already. */
    final void abortEntered() {
        aborted = true;
        releasedAll();
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
            released(point);
            return;
        }
        waitingAt[item] = point.label;
        if (++blocked == live) {
            throw stuck();
        }
        suspend(point, generation);
        if (point.generation == generation) {
            throw new Aborted();
        }
    }

    private void checkNotAborted() {
        if (aborted) {
            throw new Aborted();
        }
    }

    private String groupName() {
        return "work-group " + grid.describeGroup(group);
    }

    /** Marks the group aborted and returns the error for the work-item that found the misuse. */
    private KernelMisuseException fail(String message) {
        abortEntered();
        return new KernelMisuseException(message, "every work-item of a group must reach the same barriers, and "
                + "every lane of a warp the same simd operations, in the same order: keep them out of branches "
                + "that differ between work-items");
    }

    private KernelMisuseException stuck() {
        return fail(groupName() + " cannot proceed, no work-item is left to arrive: " + describeWaits());
    }

    private String describeWaits() {
        Map<String, List<String>> byPlace = new LinkedHashMap<>();
        for (int item = 0; item < size; item++) {
            if (waitingAt[item] != null) {
                byPlace.computeIfAbsent(waitingAt[item], k -> new ArrayList<>()).add(grid.describeLocal(item));
            }
        }
        List<String> parts = new ArrayList<>();
        byPlace.forEach((place, items) -> parts.add((place.equals(RETURNED) ? "returned" : "waiting at " + place)
                + ": " + items.size() + " (local " + String.join(", ", items.subList(0, Math.min(4, items.size())))
                + (items.size() > 4 ? ", ..." : "") + ")"));
        return String.join("; ", parts);
    }
}
