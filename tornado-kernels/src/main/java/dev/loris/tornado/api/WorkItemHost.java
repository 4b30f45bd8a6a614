package dev.loris.tornado.api;

import java.util.function.IntFunction;

/**
 * What a {@link KernelContext} needs from the runtime executing its work-item on the JVM: group barriers,
 * group-shared local arrays and the data exchange behind the simd operations. Runtimes implement it (see
 * the JVM runner); kernels never call it. Device backends do not use it at all: the compiler replaces the
 * KernelContext calls with instructions.
 */
public interface WorkItemHost {

    /** The two barriers of a work-group; they are distinct, so mixing them within a group is an error. */
    enum Barrier {
        LOCAL("localBarrier()"), GLOBAL("globalBarrier()");

        private final String call;

        Barrier(String call) {
            this.call = call;
        }

        /** The kernel call that reached it, for messages. */
        public String call() {
            return call;
        }
    }

    /** Returns once every work-item of {@code item}'s group has reached {@code barrier}. */
    void barrier(KernelContext item, Barrier barrier);

    /**
     * The group's local array for {@code item}'s next allocation: the n-th allocation of every work-item in a
     * group returns the same array, made by {@code factory} on first use. {@code elementType} and {@code size}
     * must agree across the group.
     */
    Object localArray(KernelContext item, String elementType, int size, IntFunction<?> factory);

    /**
     * Publishes {@code bits} for {@code item}'s lane, waits for all 32 lanes of its warp to call the same
     * {@code operation}, and returns the lanes' values indexed by lane. The returned array is shared: read it
     * before the lane's next simd operation and never write it.
     */
    long[] simdExchange(KernelContext item, String operation, long bits);
}
