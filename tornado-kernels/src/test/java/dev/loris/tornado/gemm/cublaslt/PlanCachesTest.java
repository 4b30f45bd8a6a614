package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The caches that make a repeated shape cost no cuBLASLt object and no heuristic call. */
class PlanCachesTest {

    /** A plan that counts its closes. */
    private static final class CountingPlan implements AutoCloseable {
        final GemmShape shape;
        int closes;
        final boolean failOnClose;

        CountingPlan(GemmShape shape, boolean failOnClose) {
            this.shape = shape;
            this.failOnClose = failOnClose;
        }

        @Override
        public void close() {
            closes++;
            if (failOnClose) {
                throw new IllegalStateException("close of " + shape);
            }
        }
    }

    @Test
    void aRepeatedShapeReusesItsPlan() {
        List<CountingPlan> made = new ArrayList<>();
        ShapeCache<CountingPlan> cache = new ShapeCache<>(shape -> {
            CountingPlan plan = new CountingPlan(shape, false);
            made.add(plan);
            return plan;
        });
        GemmShape linear = GemmShape.of(16, 96, 64, false, true, GemmType.BF16, GemmType.BF16, GemmType.BF16);
        CountingPlan first = cache.get(linear);
        // An equal record built anew, as a layer builds its shape each step, finds the same plan.
        assertSame(first, cache.get(GemmShape.of(16, 96, 64, false, true, GemmType.BF16, GemmType.BF16,
                GemmType.BF16)));
        CountingPlan biased = cache.get(linear.withBias());
        CountingPlan batched = cache.get(linear.batched(2));
        assertEquals(3, made.size());
        assertEquals(3, cache.size());
        cache.close();
        for (CountingPlan plan : List.of(first, biased, batched)) {
            assertEquals(1, plan.closes, plan.shape.toString());
        }
        assertEquals(0, cache.size());
    }

    @Test
    void closingClosesEveryPlanEvenWhenOneFails() {
        List<CountingPlan> made = new ArrayList<>();
        ShapeCache<CountingPlan> cache = new ShapeCache<>(shape -> {
            CountingPlan plan = new CountingPlan(shape, made.isEmpty());
            made.add(plan);
            return plan;
        });
        for (int m = 1; m <= 3; m++) {
            cache.get(GemmShape.of(m, 4, 4, false, false, GemmType.F32, GemmType.F32, GemmType.F32));
        }
        assertThrows(IllegalStateException.class, cache::close);
        for (CountingPlan plan : made) {
            assertEquals(1, plan.closes, plan.shape.toString());
        }
    }

    @Test
    void algorithmSlotsKeepOneAlgorithmPerKey() {
        try (Arena arena = Arena.ofConfined()) {
            AlgorithmSlots slots = new AlgorithmSlots();
            List<MemorySegment> algorithms = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                algorithms.add(arena.allocate(CublasLtConstants.ALGO_BYTES));
                slots.put(100 + i, algorithms.get(i));
            }
            for (int i = 0; i < 5; i++) {
                assertSame(algorithms.get(i), slots.get(100 + i));
            }
            assertNull(slots.get(99));
            MemorySegment replacement = arena.allocate(CublasLtConstants.ALGO_BYTES);
            slots.put(102, replacement);
            assertSame(replacement, slots.get(102));
            assertEquals(5, slots.size());
        }
    }
}
