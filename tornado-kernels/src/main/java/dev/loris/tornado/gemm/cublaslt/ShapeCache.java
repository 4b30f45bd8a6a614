package dev.loris.tornado.gemm.cublaslt;

import dev.loris.tornado.gemm.GemmShape;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-shape plans, made by {@code factory} on a shape's first use and closed together. A layer calls with the
 * same few shapes every step, so after the first step every lookup hits: a HashMap get on the record, which
 * hashes its primitive fields without allocating. Not thread-safe: a Gemm is used by one thread at a time.
 */
final class ShapeCache<P extends AutoCloseable> implements AutoCloseable {
    private final Function<GemmShape, P> factory;
    private final Map<GemmShape, P> plans = new HashMap<>();

    ShapeCache(Function<GemmShape, P> factory) {
        this.factory = factory;
    }

    /** The plan of {@code shape}, made now if this is its first use. */
    P get(GemmShape shape) {
        P plan = plans.get(shape);
        if (plan == null) {
            plan = factory.apply(shape);
            plans.put(shape, plan);
        }
        return plan;
    }

    int size() {
        return plans.size();
    }

    /** Closes every plan (all of them, even if one fails: the first failure is thrown, the rest suppressed). */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (P plan : plans.values()) {
            try {
                plan.close();
            } catch (Exception e) {
                RuntimeException unchecked = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                if (failure == null) {
                    failure = unchecked;
                } else {
                    failure.addSuppressed(unchecked);
                }
            }
        }
        plans.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
