package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.LaunchProfiler;

/**
 * What {@link Gemms#best} returns when launch profiling is enabled ({@code -Dloris.profile=true}): the chosen
 * GEMM, each call timed as one entry of the accelerator's open profile, named by its shape (the same shape is
 * one entry), with its FLOPs and the bytes of its operands (A and B read, C written, and read too when beta is
 * not 0) as the floors. Without an open profile a call goes straight through.
 */
final class ProfiledGemm implements Gemm {
    private final Gemm gemm;

    ProfiledGemm(Gemm gemm) {
        this.gemm = gemm;
    }

    @Override
    public String name() {
        return gemm.name();
    }

    @Override
    public Accelerator accelerator() {
        return gemm.accelerator();
    }

    @Override
    public boolean supports(GemmShape shape) {
        return gemm.supports(shape);
    }

    @Override
    public void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        LaunchProfiler profiler = gemm.accelerator().profiler();
        if (profiler == null) {
            gemm.multiply(shape, alpha, a, offsetA, b, offsetB, beta, c, offsetC, bias, stream);
            return;
        }
        profiler.begin(stream);
        try {
            gemm.multiply(shape, alpha, a, offsetA, b, offsetB, beta, c, offsetC, bias, stream);
        } finally {
            profiler.end(stream, shape.toString() + (beta != 0 ? " +=C" : ""), shape.flops(), operandBytes(shape, beta));
        }
    }

    static double operandBytes(GemmShape s, float beta) {
        double elementsC = (double) s.m() * s.n() * s.batch();
        return ((double) s.m() * s.k() * s.typeA().bytes + (double) s.k() * s.n() * s.typeB().bytes) * s.batch()
                + elementsC * s.typeC().bytes * (beta != 0 ? 2 : 1);
    }

    @Override
    public void close() {
        gemm.close();
    }

    @Override
    public String toString() {
        return gemm.toString();
    }
}
