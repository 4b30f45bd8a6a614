package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Gemms#best} returns when several backends serve an accelerator: each shape goes to the most
 * preferred backend that {@link Gemm#supports} it, so a vendor library that lacks a type (CLBlast has no
 * bf16) does not take those shapes away from the backends that have them.
 *
 * <p>Backends after the first are opened only when a shape first needs them (cuBLASLt takes a workspace, the
 * tiled kernel compiles kernels). Routing walks a list of two or three entries and allocates nothing once
 * the backends a shape needs are open.
 */
final class PreferredGemm implements Gemm {
    private final Accelerator accelerator;
    private final List<GemmBackend> backends;
    /** Parallel to {@code backends}; null until opened. */
    private final Gemm[] opened;
    private boolean closed;

    PreferredGemm(Accelerator accelerator, List<GemmBackend> backends) {
        this.accelerator = accelerator;
        this.backends = List.copyOf(backends);
        this.opened = new Gemm[this.backends.size()];
        opened[0] = this.backends.getFirst().open(accelerator);
    }

    /** The first backend's name, and the ids of those it falls back to. */
    @Override
    public String name() {
        List<String> fallbacks = new ArrayList<>();
        for (int i = 1; i < backends.size(); i++) {
            fallbacks.add(backends.get(i).id());
        }
        String first = opened[0] != null ? opened[0].name() : backends.getFirst().id();
        return first + " (else " + String.join(", ", fallbacks) + ")";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public boolean supports(GemmShape shape) {
        return route(shape) != null;
    }

    @Override
    public void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        Gemm gemm = route(shape);
        if (gemm == null) {
            throw new LorisException("no GEMM backend on " + accelerator.spec() + " runs " + shape + " (tried "
                    + ids() + ")", "use the types the backends support: f32, or f16/bf16 inputs with f32 or the"
                    + " same output type");
        }
        gemm.multiply(shape, alpha, a, offsetA, b, offsetB, beta, c, offsetC, bias, stream);
    }

    /** The first backend, opening it if need be, that supports {@code shape}; null when none does. */
    private Gemm route(GemmShape shape) {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        for (int i = 0; i < opened.length; i++) {
            if (opened[i] == null) {
                opened[i] = backends.get(i).open(accelerator);
            }
            if (opened[i].supports(shape)) {
                return opened[i];
            }
        }
        return null;
    }

    private String ids() {
        return String.join(", ", backends.stream().map(GemmBackend::id).toList());
    }

    @Override
    public void close() {
        closed = true;
        RuntimeException failure = null;
        for (int i = 0; i < opened.length; i++) {
            if (opened[i] != null) {
                try {
                    opened[i].close();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
                opened[i] = null;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return name() + " on " + accelerator.spec();
    }
}
