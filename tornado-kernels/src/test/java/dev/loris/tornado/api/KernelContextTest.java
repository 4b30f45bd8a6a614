package dev.loris.tornado.api;

import dev.loris.tornado.api.types.HalfFloat;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.examples.ExampleKernels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A KernelContext on its own (one work-item), as a kernel gets it when called directly from Java. */
class KernelContextTest {
    private static final long SEED = System.nanoTime();
    private final Random random = new Random(SEED);

    @Test
    void standaloneContextIsWorkItemZeroOfAGridOfOne() {
        KernelContext ctx = new KernelContext();
        assertEquals(0, ctx.globalIdx + ctx.globalIdy + ctx.globalIdz + ctx.localIdx + ctx.groupIdx);
        assertEquals(1, ctx.globalGroupSizeX * ctx.globalGroupSizeY * ctx.globalGroupSizeZ);
        assertEquals(1, ctx.localGroupSizeX * ctx.localGroupSizeY * ctx.localGroupSizeZ);
        FloatArray x = FloatArray.fromArray(new float[] {2f, 5f});
        FloatArray y = FloatArray.fromArray(new float[] {1f, 1f});
        FloatArray out = new FloatArray(2);
        out.init(Float.NaN);
        ExampleKernels.axpy(ctx, 3f, x, y, out, 2);
        assertEquals(7f, out.get(0));
        assertTrue(Float.isNaN(out.get(1)), "only work-item 0 ran");
        ctx.localBarrier();
        ctx.globalBarrier();
        assertEquals(4, ctx.allocateFloatLocalArray(4).length);
        HalfFloat[] halves = ctx.allocateHalfFloatLocalArray(3);
        assertEquals(HalfFloat.ZERO, halves[2]);
        assertEquals(2, ctx.allocateLongLocalArray(2).length);
        KernelMisuseException e = assertThrows(KernelMisuseException.class, () -> ctx.simdSum(1f));
        assertTrue(e.getMessage().contains("simdSum() needs a work-group of a multiple of 32"), e.getMessage());
    }

    @Test
    void atomicsReturnTheOldValue() {
        KernelContext ctx = new KernelContext();
        int start = random.nextInt(1000);
        int add = random.nextInt(1000);
        IntArray ints = new IntArray(4);
        ints.set(3, start);
        assertEquals(start, ctx.atomicAdd(ints, 3, add));
        assertEquals(start + add, ints.get(3));
        FloatArray floats = new FloatArray(4);
        floats.set(1, 1.5f);
        assertEquals(1.5f, ctx.atomicAdd(floats, 1, 0.25f));
        assertEquals(1.75f, floats.get(1));
        int[] localInts = {start};
        assertEquals(start, ctx.atomicAdd(localInts, 0, add));
        assertEquals(start + add, localInts[0]);
        float[] localFloats = {0f, -2f};
        assertEquals(-2f, ctx.atomicAdd(localFloats, 1, 0.5f));
        assertEquals(-1.5f, localFloats[1]);
        assertThrows(IndexOutOfBoundsException.class, () -> ctx.atomicAdd(ints, 4, 1));
    }
}
