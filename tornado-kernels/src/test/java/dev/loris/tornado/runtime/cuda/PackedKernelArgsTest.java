package dev.loris.tornado.runtime.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reusable native argument list: first values from the layout, then each setter writes its slot in place. */
class PackedKernelArgsTest {

    @Test
    void settersWriteTheSlotsTheLaunchPointersAddress() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int firstI32 = random.nextInt();
        PackedKernelArgs args = new PackedKernelArgs(KernelArgs.create().pointer(0).i32(firstI32).i64(0).f32(0)
                .f64(0));
        MemorySegment pointers = args.pointers().reinterpret(5 * ADDRESS.byteSize());
        String context = "seed " + seed;
        assertEquals(firstI32, argument(pointers, 1).get(JAVA_INT, 0), context + ": the layout's value comes first");
        for (int round = 0; round < 3; round++) {
            long address = random.nextLong();
            int i32 = random.nextInt();
            long i64 = random.nextLong();
            float f32 = random.nextFloat();
            double f64 = random.nextDouble();
            args.setPointer(0, address);
            args.setI32(1, i32);
            args.setI64(2, i64);
            args.setF32(3, f32);
            args.setF64(4, f64);
            assertEquals(address, argument(pointers, 0).get(JAVA_LONG, 0), context);
            assertEquals(i32, argument(pointers, 1).get(JAVA_INT, 0), context);
            assertEquals(i64, argument(pointers, 2).get(JAVA_LONG, 0), context);
            assertEquals(f32, argument(pointers, 3).get(JAVA_FLOAT, 0), context);
            assertEquals(f64, argument(pointers, 4).get(JAVA_DOUBLE, 0), context);
        }
    }

    @Test
    void aSetterOfTheWrongTypeOrIndexIsRefused() {
        PackedKernelArgs args = new PackedKernelArgs(KernelArgs.create().pointer(0).f32(0));
        assertThrows(IllegalArgumentException.class, () -> args.setI64(0, 1));
        assertThrows(IllegalArgumentException.class, () -> args.setI32(1, 1));
        assertThrows(IllegalArgumentException.class, () -> args.setF32(2, 1));
        assertEquals(MemorySegment.NULL, new PackedKernelArgs(KernelArgs.create()).pointers());
    }

    private static MemorySegment argument(MemorySegment pointers, int index) {
        return pointers.getAtIndex(ADDRESS, index).reinterpret(8);
    }
}
