package dev.loris.tornado.compiler;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local array's length is a compile-time constant even where control flow merges before it is read (a loop
 * ahead of a block reduction, as RMSNorm has), and switching between local arrays on different paths is a
 * clear compile error rather than a silently wrong length.
 */
class LocalArrayLengthTest {
    static final int SLOTS = 37;

    /** Per work-item: a data-dependent loop, then the local array's length used to index it. */
    static void lengthAfterLoop(KernelContext ctx, IntArray out, FloatArray x, int trips) {
        float[] slots = ctx.allocateFloatLocalArray(SLOTS);
        float acc = 0f;
        for (int k = 0; k < trips; k++) {
            acc += x.get(k);
        }
        int last = slots.length - 1;
        if (ctx.localIdx == 0) {
            slots[last] = acc;
        }
        ctx.localBarrier();
        out.set(ctx.globalIdx, slots.length * 1000 + (slots[last] == acc ? 1 : 0));
    }

    static void switchesArrays(KernelContext ctx, IntArray out, int pick) {
        float[] a = ctx.allocateFloatLocalArray(8);
        float[] b = ctx.allocateFloatLocalArray(16);
        float[] chosen = a;
        for (int k = 0; k < pick; k++) {
            chosen = b;
        }
        out.set(ctx.globalIdx, chosen.length);
    }

    static Stream<String> specs() {
        return Accelerator.available().stream();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void lengthIsKnownAfterALoop(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int trips = 1 + random.nextInt(50);
        FloatArray x = new FloatArray(trips);
        for (int i = 0; i < trips; i++) {
            x.set(i, random.nextFloat());
        }
        int n = 64;
        IntArray out = new IntArray(n);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray dx = acc.upload(x);
             DeviceArray dout = acc.allocate(IntArray.class, n)) {
            dout.poison();
            acc.compile(LocalArrayLengthTest.class, "lengthAfterLoop", Map.of()).launcher()
                    .setArguments(null, dout, dx, trips).launch(n, 32, acc.defaultStream());
            dout.copyTo(out);
        }
        int[] expected = new int[n];
        Arrays.fill(expected, SLOTS * 1000 + 1);
        assertArrayEquals(expected, out.toHeapArray(), spec + " seed " + seed);
    }

    @Test
    void switchingLocalArraysBetweenPathsIsACompileError() {
        KernelCompileException e = assertThrows(KernelCompileException.class, () -> KernelCompiler.graph(
                Arrays.stream(LocalArrayLengthTest.class.getDeclaredMethods())
                        .filter(m -> m.getName().equals("switchesArrays")).findFirst().orElseThrow(), Map.of()));
        assertTrue(e.getMessage().contains("local array reference that differs between paths"), e.getMessage());
        assertTrue(e.getMessage().contains("switchesArrays"), e.getMessage());
    }
}
