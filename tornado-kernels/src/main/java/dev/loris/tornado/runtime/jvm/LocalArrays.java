package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelMisuseException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The local arrays of one work-group. A device reserves local memory per allocation site; the JVM cannot
 * see sites, so it keys arrays by call order within a work-item: the n-th allocation of every work-item of
 * the group returns the same array. Work-items must therefore allocate the same arrays in the same order,
 * which is checked.
 */
final class LocalArrays {
    private record Allocation(String elementType, int size, Object array) {
    }

    private final List<Allocation> allocations = new ArrayList<>();

    /** The group's array for a work-item's {@code ordinal}-th allocation, made on first request. */
    synchronized Object obtain(int ordinal, String elementType, int size, IntFunction<?> factory) {
        String call = "allocate" + Character.toUpperCase(elementType.charAt(0)) + elementType.substring(1)
                + "LocalArray(" + size + ")";
        if (size < 0) {
            throw new KernelMisuseException(call + ": a local array size must not be negative",
                    "local array sizes are compile-time constants on devices: use a constant");
        }
        if (ordinal < allocations.size()) {
            Allocation existing = allocations.get(ordinal);
            if (!existing.elementType.equals(elementType) || existing.size != size) {
                throw new KernelMisuseException("local array #" + ordinal + " of the work-group is "
                        + existing.elementType + "[" + existing.size + "], but a work-item asked for it with " + call,
                        "every work-item of a group must allocate the same local arrays in the same order");
            }
            return existing.array;
        }
        Object array = factory.apply(size);
        allocations.add(new Allocation(elementType, size, array));
        return array;
    }

    /** Forgets the arrays, for the next group run by the same worker. */
    synchronized void clear() {
        allocations.clear();
    }
}
