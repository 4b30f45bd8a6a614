package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A kernel's argument list kept in native memory for many launches: the void*[] cuLaunchKernel takes and
 * the 8-byte slots it points at, made once from a {@link KernelArgs} giving the parameter types and first
 * values. Setting an argument writes its slot; launching through
 * {@link CudaFunction#launch(int, int, int, int, int, int, int, CudaStream, PackedKernelArgs)} allocates
 * nothing on the Java heap. The driver copies the values when a launch is queued, so they may change right
 * after. Not thread-safe; the native memory is freed when the object becomes unreachable.
 */
public final class PackedKernelArgs {
    private static final long SLOT_BYTES = 8;

    private final KernelArgs layout;
    private final MemorySegment pointers;
    private final MemorySegment slots;
    /** The kernel these arguments were last checked against, so the check runs once per kernel. */
    CudaFunction checkedFor;

    /** Native arguments shaped and initialised like {@code layout}. */
    public PackedKernelArgs(KernelArgs layout) {
        this.layout = layout;
        Arena arena = Arena.ofAuto();
        this.pointers = layout.pack(arena);
        this.slots = layout.count() == 0 ? MemorySegment.NULL
                : pointers.get(ADDRESS, 0).reinterpret(SLOT_BYTES * layout.count());
    }

    public int count() {
        return layout.count();
    }

    public void setPointer(int index, long deviceAddress) {
        slots.set(JAVA_LONG, slot(index, KernelArgs.Kind.POINTER), deviceAddress);
    }

    public void setI32(int index, int value) {
        slots.set(JAVA_INT, slot(index, KernelArgs.Kind.I32), value);
    }

    public void setI64(int index, long value) {
        slots.set(JAVA_LONG, slot(index, KernelArgs.Kind.I64), value);
    }

    public void setF32(int index, float value) {
        slots.set(JAVA_FLOAT, slot(index, KernelArgs.Kind.F32), value);
    }

    public void setF64(int index, double value) {
        slots.set(JAVA_DOUBLE, slot(index, KernelArgs.Kind.F64), value);
    }

    private long slot(int index, KernelArgs.Kind kind) {
        if (index < 0 || index >= layout.count() || layout.kind(index) != kind) {
            throw new IllegalArgumentException("argument " + index + " of " + layout + " is not " + kind);
        }
        return index * SLOT_BYTES;
    }

    KernelArgs layout() {
        return layout;
    }

    /** The void*[] for cuLaunchKernel; NULL without arguments. */
    MemorySegment pointers() {
        return pointers;
    }
}
