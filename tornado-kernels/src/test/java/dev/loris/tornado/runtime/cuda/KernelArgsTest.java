package dev.loris.tornado.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The void*[] handed to cuLaunchKernel: one pointer per argument, each to that argument's bytes. */
class KernelArgsTest {

    @Test
    void packsEachArgumentBehindItsOwnPointer() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long address = random.nextLong();
        TestPtx.Scalars scalars = TestPtx.Scalars.random(random);
        KernelArgs args = scalars.arguments(address);
        String context = "seed " + seed + ", args " + args;

        assertEquals(5, args.count(), context);
        int[] sizes = {8, 4, 8, 4, 8};
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(sizes[i], args.byteSize(i), context);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pointers = args.pack(arena).reinterpret(5 * ADDRESS.byteSize());
            assertEquals(address, argument(pointers, 0, 8).get(JAVA_LONG, 0), context);
            assertEquals(scalars.i32(), argument(pointers, 1, 4).get(JAVA_INT, 0), context);
            assertEquals(scalars.i64(), argument(pointers, 2, 8).get(JAVA_LONG, 0), context);
            assertEquals(Float.floatToRawIntBits(scalars.f32()),
                    Float.floatToRawIntBits(argument(pointers, 3, 4).get(JAVA_FLOAT, 0)), context);
            assertEquals(Double.doubleToRawLongBits(scalars.f64()),
                    Double.doubleToRawLongBits(argument(pointers, 4, 8).get(JAVA_DOUBLE, 0)), context);
        }
    }

    @Test
    void noArgumentsPackToNull() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(MemorySegment.NULL, KernelArgs.create().pack(arena));
        }
    }

    private static MemorySegment argument(MemorySegment pointers, int index, long bytes) {
        MemorySegment value = pointers.getAtIndex(ADDRESS, index).reinterpret(bytes);
        assertEquals(0, value.address() % 8, "argument " + index + " is not 8-byte aligned");
        return value;
    }
}
