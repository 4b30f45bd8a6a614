package dev.loris.tornado.runtime.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The argument list of one kernel launch, in parameter order, each value typed as the PTX parameter it fills
 * ({@code .u64} pointer, {@code .s32}, {@code .s64}, {@code .f32}, {@code .f64}).
 *
 * <p>cuLaunchKernel wants an array of pointers, one per parameter, each pointing at that argument's value;
 * {@link #pack} builds it in an arena the launch closes right after the call (the driver copies the values
 * while queueing the launch). A KernelArgs can be reused for many launches; it is not thread-safe while
 * being built.
 */
public final class KernelArgs {
    /** Every value gets an 8-byte slot, so 8-byte values stay aligned. */
    private static final long SLOT_BYTES = 8;

    /** The PTX parameter type of an argument. */
    enum Kind {
        POINTER(8), I32(4), I64(8), F32(4), F64(8);

        final int bytes;

        Kind(int bytes) {
            this.bytes = bytes;
        }
    }

    private record Value(Kind kind, long bits) {
    }

    private final List<Value> values = new ArrayList<>();

    public static KernelArgs create() {
        return new KernelArgs();
    }

    /** A device pointer to the start of {@code buffer}. */
    public KernelArgs pointer(CudaBuffer buffer) {
        return pointer(buffer.address());
    }

    /** A raw device address, e.g. an offset into a buffer. */
    public KernelArgs pointer(long deviceAddress) {
        return add(Kind.POINTER, deviceAddress);
    }

    public KernelArgs i32(int value) {
        return add(Kind.I32, value);
    }

    public KernelArgs i64(long value) {
        return add(Kind.I64, value);
    }

    public KernelArgs f32(float value) {
        return add(Kind.F32, Float.floatToRawIntBits(value));
    }

    public KernelArgs f64(double value) {
        return add(Kind.F64, Double.doubleToRawLongBits(value));
    }

    private KernelArgs add(Kind kind, long bits) {
        values.add(new Value(kind, bits));
        return this;
    }

    public int count() {
        return values.size();
    }

    Kind kind(int index) {
        return values.get(index).kind;
    }

    /** The size in bytes of argument {@code index}, to compare with the kernel's parameter. */
    public int byteSize(int index) {
        return values.get(index).kind.bytes;
    }

    /**
     * The void*[] cuLaunchKernel takes, allocated in {@code arena}; NULL when there are no arguments.
     * 4-byte values are written as 4 bytes at the start of their slot, which is what the driver reads.
     */
    MemorySegment pack(Arena arena) {
        if (values.isEmpty()) {
            return MemorySegment.NULL;
        }
        MemorySegment slots = arena.allocate(SLOT_BYTES * values.size(), SLOT_BYTES);
        MemorySegment pointers = arena.allocate(ADDRESS, values.size());
        for (int i = 0; i < values.size(); i++) {
            Value value = values.get(i);
            MemorySegment slot = slots.asSlice(i * SLOT_BYTES, SLOT_BYTES);
            if (value.kind.bytes == 4) {
                slot.set(JAVA_INT, 0, (int) value.bits);
            } else {
                slot.set(JAVA_LONG, 0, value.bits);
            }
            pointers.setAtIndex(ADDRESS, i, slot);
        }
        return pointers;
    }

    /** "(pointer 0x7f00000000, i32 1024)" for error messages. */
    @Override
    public String toString() {
        StringJoiner joined = new StringJoiner(", ", "(", ")");
        for (Value value : values) {
            joined.add(switch (value.kind) {
                case POINTER -> "pointer 0x" + Long.toHexString(value.bits);
                case I32 -> "i32 " + (int) value.bits;
                case I64 -> "i64 " + value.bits;
                case F32 -> "f32 " + Float.intBitsToFloat((int) value.bits);
                case F64 -> "f64 " + Double.longBitsToDouble(value.bits);
            });
        }
        return joined.toString();
    }
}
