package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.KernelMisuseException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Cooperation;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Mode;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is particular to running cooperative groups as continuations (the shared cases are in
 * JvmKernelRunnerTest and JvmKernelRunnerFailureTest): that the test JVM has them at all, stacks that cannot be
 * suspended, lone work-items, callers on virtual threads, and groups reusing one worker's continuations.
 */
class ContinuationGroupsTest {
    private static final long SEED = System.nanoTime();
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private final Random random = new Random(SEED);

    /** The build passes --add-exports java.base/jdk.internal.vm=ALL-UNNAMED; without it every case here is moot. */
    @Test
    void continuationsAreAvailableInTheTestJvm() {
        assertTrue(Continuations.AVAILABLE, Continuations.UNAVAILABLE_REASON);
        assertNull(Continuations.UNAVAILABLE_REASON);
        assertEquals(Cooperation.CONTINUATIONS, Cooperation.best());
    }

    /**
     * A native frame (here qsort calling back into Java through an upcall) cannot be suspended: a barrier
     * reached under one is misuse, reported as such instead of crashing or hanging. (The upcall must not throw,
     * so it keeps the error and the work-item throws it once qsort has returned.)
     */
    @Test
    void aBarrierUnderANativeFrameIsMisuse() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle qsort = linker.downcallHandle(linker.defaultLookup().find("qsort").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS));
        FunctionDescriptor compare = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS);
        KernelFailedException e = assertTimeoutPreemptively(LIMIT, () -> assertThrows(KernelFailedException.class,
                () -> JvmKernelRunner.run(ctx -> {
                    AtomicReference<RuntimeException> inUpcall = new AtomicReference<>();
                    try (Arena arena = Arena.ofConfined()) {
                        MethodHandle target = MethodHandles.insertArguments(BARRIER_THEN_COMPARE, 0, ctx, inUpcall);
                        MemorySegment comparator = linker.upcallStub(target, compare, arena);
                        MemorySegment ints = arena.allocateFrom(ValueLayout.JAVA_INT, 2, 1);
                        qsort.invokeExact(ints, 2L, 4L, comparator);
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                    if (inUpcall.get() != null) {
                        throw inUpcall.get();
                    }
                }, new long[] {64}, new int[] {32}, Mode.COOPERATIVE, Cooperation.CONTINUATIONS)));
        KernelMisuseException cause = assertInstanceOf(KernelMisuseException.class, e.getCause());
        assertTrue(cause.getMessage().contains("localBarrier() was reached inside a synchronized block or a native "
                + "call (Pinned: NATIVE)"), cause.getMessage());
    }

    private static final MethodHandle BARRIER_THEN_COMPARE;

    static {
        try {
            BARRIER_THEN_COMPARE = MethodHandles.lookup().findStatic(ContinuationGroupsTest.class, "barrierThenCompare",
                    MethodType.methodType(int.class, KernelContext.class, AtomicReference.class, MemorySegment.class,
                            MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static int barrierThenCompare(KernelContext ctx, AtomicReference<?> error, MemorySegment a, MemorySegment b) {
        try {
            ctx.localBarrier();
        } catch (RuntimeException e) {
            ((AtomicReference<RuntimeException>) error).set(e);
        }
        return 0;
    }

    /** A lone work-item completes every barrier it reaches, so it runs on its worker thread without suspending. */
    @Test
    void aLoneWorkItemPassesItsBarriersOnItsWorkerThread() {
        int groups = 200 + random.nextInt(100);
        FloatArray out = new FloatArray(groups);
        out.init(Float.NaN);
        JvmKernelRunner.run(ctx -> {
            float[] local = ctx.allocateFloatLocalArray(1);
            local[0] = ctx.groupIdx;
            ctx.localBarrier();
            ctx.globalBarrier();
            out.set(ctx.groupIdx, local[0] * 2);
        }, new long[] {groups}, new int[] {1}, Mode.COOPERATIVE, Cooperation.CONTINUATIONS);
        for (int g = 0; g < groups; g++) {
            assertEquals(2f * g, out.get(g), "group " + g + ", seed " + SEED);
        }
    }

    /**
     * Many groups through few workers, so each worker's continuations run group after group: every group
     * reverses its own slice through a local array between barriers, with a different number of barrier
     * rounds per group, and must see only its own data.
     */
    @Test
    void workersReuseTheirContinuationsGroupAfterGroup() {
        int local = 32;
        int groups = 500 + random.nextInt(200);
        FloatArray in = new FloatArray(groups * local);
        for (int i = 0; i < in.getSize(); i++) {
            in.set(i, random.nextFloat());
        }
        FloatArray out = new FloatArray(groups * local);
        out.init(Float.NaN);
        JvmKernelRunner.run(ctx -> {
            float[] tile = ctx.allocateFloatLocalArray(32);
            float value = in.get(ctx.globalIdx);
            for (int round = 0; round <= ctx.groupIdx % 3; round++) {
                tile[ctx.localIdx] = value;
                ctx.localBarrier();
                value = tile[31 - ctx.localIdx];
                ctx.localBarrier();
            }
            out.set(ctx.globalIdx, value);
        }, new long[] {(long) groups * local}, new int[] {local}, Mode.COOPERATIVE, Cooperation.CONTINUATIONS);
        for (int g = 0; g < groups; g++) {
            boolean reversed = (g % 3 + 1) % 2 == 1;
            for (int l = 0; l < local; l++) {
                int source = g * local + (reversed ? 31 - l : l);
                assertEquals(in.get(source), out.get(g * local + l), "group " + g + " item " + l + ", seed " + SEED);
            }
        }
    }

    /** A virtual thread may launch: its group's continuations nest inside the thread's own. */
    @Test
    void runsFromAVirtualThread() throws InterruptedException {
        FloatArray sums = new FloatArray(64);
        sums.init(Float.NaN);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                JvmKernelRunner.run(ctx -> {
                    float total = ctx.simdSum(ctx.localIdx);
                    ctx.localBarrier();
                    if (ctx.localIdx == 0) {
                        sums.set(ctx.groupIdx, total + ctx.groupIdx);
                    }
                }, new long[] {64 * 64}, new int[] {64}, Mode.COOPERATIVE, Cooperation.CONTINUATIONS);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.join(LIMIT);
        assertNull(failure.get());
        for (int g = 0; g < 64; g++) {
            assertEquals(31 * 32 / 2 + g, sums.get(g), "group " + g);
        }
    }
}
