package dev.loris.tornado.runtime.jvm;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Collects the failures of one kernel run: the first one becomes the run's error, later ones are counted
 * (they are usually consequences of the first). Shared by all workers; {@link #any()} lets them stop early.
 */
final class RunFailures {
    private final AtomicReference<KernelFailedException> first = new AtomicReference<>();
    private final AtomicInteger more = new AtomicInteger();

    /** Records that {@code item} threw {@code cause}. */
    void record(KernelContext item, Throwable cause) {
        record(Grid.describeItem(item), cause);
    }

    void record(String where, Throwable cause) {
        String hint = cause instanceof LorisException e && !e.hint().isEmpty() ? e.hint()
                : "the cause's stack trace shows the kernel line; on the JVM the kernel runs as plain Java";
        String what = cause instanceof LorisException ? cause.getMessage() : cause.toString();
        var failure = new KernelFailedException("kernel failed at " + where + ": " + what, hint, cause);
        if (!first.compareAndSet(null, failure)) {
            more.incrementAndGet();
        }
    }

    boolean any() {
        return first.get() != null;
    }

    void throwIfAny() {
        KernelFailedException failure = first.get();
        if (failure != null) {
            int others = more.get();
            if (others > 0) {
                failure.addSuppressed(new IllegalStateException(others + " more work-item failure(s) after this one"));
            }
            throw failure;
        }
    }
}
