package dev.loris.testing;

import com.sun.management.ThreadMXBean;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Assumptions;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;

/**
 * How many bytes the calling thread allocates on the Java heap over {@code calls} steady-state calls: rounds of the
 * calls repeat (up to 20, synchronising between them) until one allocates nothing, and the last round counts, so
 * earlier rounds warm the JIT up (escape analysis removes what the interpreter allocates). Skips, saying why,
 * where the JVM has no per-thread allocation counter.
 */
public final class SteadyStateAllocation {
    private static final int ROUNDS = 20;

    private SteadyStateAllocation() {
    }

    /** Bytes allocated in the last round of {@code calls} calls of {@code call} (given the call's index). */
    public static long lastRoundBytes(Accelerator acc, int calls, IntConsumer call) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        long allocated = 0;
        for (int round = 0; round < ROUNDS; round++) {
            acc.synchronize();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                call.accept(i);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (allocated == 0) {
                break;
            }
        }
        acc.synchronize();
        return allocated;
    }
}
