package dev.loris.tornado.runtime.jvm;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The caller plus pooled helpers: every copy that starts has ended on return, and runs never wait on each other. */
class KernelWorkersTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void returnsOnlyWhenEveryStartedCopyHasEnded() {
        for (int round = 0; round < 50; round++) {
            AtomicInteger started = new AtomicInteger();
            AtomicInteger running = new AtomicInteger();
            Thread caller = Thread.currentThread();
            AtomicInteger onCaller = new AtomicInteger();
            KernelWorkers.run(KernelWorkers.THREADS - 1, () -> {
                started.incrementAndGet();
                running.incrementAndGet();
                if (Thread.currentThread() == caller) {
                    onCaller.incrementAndGet();
                }
                sleep(2);
                running.decrementAndGet();
            });
            assertEquals(0, running.get(), "a copy still ran after run returned");
            assertEquals(1, onCaller.get(), "the caller runs the work once itself");
            assertTrue(started.get() >= 1 && started.get() <= KernelWorkers.THREADS, started + " copies");
        }
    }

    /** Runs from many threads at once, and a run inside a run's work, all finish (helpers are withdrawn, never awaited). */
    @Test
    void concurrentAndNestedRunsFinish() {
        assertTimeoutPreemptively(LIMIT, () -> {
            AtomicInteger copies = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            KernelWorkers.run(KernelWorkers.THREADS - 1,
                                    () -> KernelWorkers.run(KernelWorkers.THREADS - 1, copies::incrementAndGet));
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            for (Thread thread : threads) {
                thread.join();
            }
            assertNull(failure.get());
            assertTrue(copies.get() >= 8 * 200, copies + " copies");
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
