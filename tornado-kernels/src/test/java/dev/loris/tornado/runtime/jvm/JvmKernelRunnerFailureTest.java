package dev.loris.tornado.runtime.jvm;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.KernelMisuseException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Cooperation;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.KernelBody;
import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Mode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failing kernels end the run with an error naming the work-item, and never hang: every run here is under
 * a timeout, and most leave other work-items waiting at a barrier when the failure happens. Cooperative groups
 * run as continuations here ({@link JvmKernelRunnerFailureVirtualThreadsTest} runs every case on the fallback).
 */
class JvmKernelRunnerFailureTest {
    private static final long SEED = System.nanoTime();
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private final Random random = new Random(SEED);

    @Test
    void exceptionWhileOthersWaitAtABarrierNamesTheWorkItem() {
        int bad = random.nextInt(256);
        FloatArray out = new FloatArray(256);
        KernelFailedException e = runExpectingFailure(ctx -> {
            for (int step = 0; step < 3; step++) {
                if (ctx.globalIdx == bad && step == 1) {
                    throw new IllegalStateException("boom at step " + step);
                }
                ctx.localBarrier();
                out.set(ctx.globalIdx, step);
            }
        }, new long[] {256}, new int[] {64}, Mode.COOPERATIVE);
        assertContains(e, "work-item global (" + bad + ", 0, 0), local (" + bad % 64 + ", 0, 0) of group ("
                + bad / 64 + ", 0, 0)");
        assertContains(e, "boom at step 1");
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void exceptionInIndependentModeNamesTheWorkItem() {
        int bad = random.nextInt(4096);
        KernelFailedException e = runExpectingFailure(ctx -> {
            if (ctx.globalIdx == bad) {
                throw new ArithmeticException("/ by zero");
            }
        }, new long[] {4096}, new int[] {128}, Mode.INDEPENDENT);
        assertContains(e, "global (" + bad + ", 0, 0)");
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void failuresInManyGroupsStillEndTheRun() {
        AtomicInteger started = new AtomicInteger();
        runExpectingFailure(ctx -> {
            started.incrementAndGet();
            ctx.localBarrier();
            throw new IllegalStateException("every work-item fails");
        }, new long[] {64 * 1024}, new int[] {64}, Mode.COOPERATIVE);
        assertTrue(started.get() < 64 * 1024, "groups after the failure should not start, " + started.get() + " did");
    }

    @Test
    void returningBeforeABarrierOthersWaitAtIsReported() {
        KernelFailedException e = runExpectingFailure(ctx -> {
            if (ctx.localIdx == 5) {
                return;
            }
            ctx.localBarrier();
        }, new long[] {64}, new int[] {32}, Mode.COOPERATIVE);
        assertContains(e, "cannot proceed");
        assertContains(e, "returned: 1 (local (5, 0, 0))");
        assertContains(e, "waiting at localBarrier(): 31");
        assertInstanceOf(KernelMisuseException.class, e.getCause());
    }

    @Test
    void mixingLocalAndGlobalBarriersIsReported() {
        KernelFailedException e = runExpectingFailure(ctx -> {
            if (ctx.localIdx % 2 == 0) {
                ctx.localBarrier();
            } else {
                ctx.globalBarrier();
            }
        }, new long[] {16}, new int[] {16}, Mode.COOPERATIVE);
        assertContains(e, "waiting at localBarrier(): 8");
        assertContains(e, "waiting at globalBarrier(): 8");
    }

    @Test
    void simdNeedsWholeWarps() {
        KernelFailedException e = runExpectingFailure(ctx -> ctx.simdSum(1f), new long[] {96}, new int[] {48},
                Mode.COOPERATIVE);
        assertContains(e, "simdSum() needs a work-group size that is a multiple of 32");
        assertContains(e, "has 48 work-items");
    }

    @Test
    void lanesCallingDifferentSimdOperationsAreReported() {
        KernelFailedException e = runExpectingFailure(ctx -> {
            if (ctx.localIdx == 7) {
                ctx.simdMax(1f);
            } else {
                ctx.simdSum(1f);
            }
        }, new long[] {32}, new int[] {32}, Mode.COOPERATIVE);
        assertContains(e, "called different simd operations together");
    }

    @Test
    void independentModeRefusesBarriersAndSimd() {
        KernelFailedException barrier = runExpectingFailure(KernelContext::localBarrier, new long[] {64},
                new int[] {32}, Mode.INDEPENDENT);
        assertContains(barrier, "localBarrier() makes work-items wait for each other");
        assertContains(barrier, "Mode.INDEPENDENT");
        assertTrue(barrier.hint().contains("COOPERATIVE"), barrier.hint());
        KernelFailedException simd = runExpectingFailure(ctx -> ctx.simdShuffleDown(1, 1), new long[] {64},
                new int[] {32}, Mode.INDEPENDENT);
        assertContains(simd, "simdShuffleDown()");
    }

    @Test
    void localArraysMustMatchAcrossTheGroup() {
        KernelFailedException e = runExpectingFailure(ctx -> {
            ctx.allocateFloatLocalArray(16);
            if (ctx.localIdx == 3) {
                ctx.allocateIntLocalArray(8);
            } else {
                ctx.allocateFloatLocalArray(8);
            }
        }, new long[] {8}, new int[] {8}, Mode.COOPERATIVE);
        assertContains(e, "local array #1");
        assertContains(e, "allocateIntLocalArray(8)");
    }

    @Test
    void interruptingTheCallerFailsTheRunAndStopsIt() {
        for (Mode mode : Mode.values()) {
            AtomicInteger started = new AtomicInteger();
            KernelFailedException e = assertTimeoutPreemptively(LIMIT, () -> {
                Thread caller = Thread.currentThread();
                try {
                    return assertThrows(KernelFailedException.class, () -> JvmKernelRunner.run(ctx -> {
                        started.incrementAndGet();
                        if (ctx.globalIdx == 0) {
                            caller.interrupt();
                        }
                        // 0.2 ms a group, so the caller finds its interrupt long before the groups run out
                        for (long until = System.nanoTime() + 200_000; ctx.localIdx == 0 && System.nanoTime() < until; ) {
                            Thread.onSpinWait();
                        }
                    }, new long[] {64 * 1024}, new int[] {64}, mode, cooperation()));
                } finally {
                    Thread.interrupted();
                }
            }, "the run must end, not hang");
            assertContains(e, "interrupted");
            assertTrue(started.get() < 64 * 1024, mode + ": groups after the interrupt should not start, "
                    + started.get() + " work-items did");
        }
    }

    @Test
    void gridMustBeAMultipleOfTheGroup() {
        LorisException e = assertThrows(LorisException.class,
                () -> JvmKernelRunner.run(ctx -> { }, new long[] {64, 1000}, new int[] {8, 256}));
        assertTrue(e.getMessage().contains("global size 1000 in y is not a multiple of local size 256"),
                e.getMessage());
        assertTrue(e.hint().contains("1024"), e.hint());
        assertThrows(LorisException.class, () -> JvmKernelRunner.run(ctx -> { }, new long[] {8}, new int[] {8, 1}));
        assertThrows(LorisException.class, () -> JvmKernelRunner.run(ctx -> { }, new long[] {8}, new int[] {0}));
        assertThrows(LorisException.class, () -> JvmKernelRunner.run(ctx -> { }, new long[] {1L << 32}, new int[] {1}));
    }

    @Test
    void emptyGridRunsNothing() {
        AtomicInteger calls = new AtomicInteger();
        JvmKernelRunner.run(ctx -> calls.incrementAndGet(), new long[] {0}, new int[] {32});
        assertEquals(0, calls.get());
    }

    /** What carries a cooperative work-item in these cases. */
    Cooperation cooperation() {
        return Cooperation.CONTINUATIONS;
    }

    private KernelFailedException runExpectingFailure(KernelBody body, long[] global, int[] local, Mode mode) {
        return assertTimeoutPreemptively(LIMIT, () -> assertThrows(KernelFailedException.class,
                () -> JvmKernelRunner.run(body, global, local, mode, cooperation())), "the run must end, not hang");
    }

    private static void assertContains(LorisException e, String expected) {
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage()
                + ", seed " + SEED);
    }
}
