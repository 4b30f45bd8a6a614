package dev.loris.bench;

import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmOperands;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.NativeHandles;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The baseline {@link GemmBench} compares the CPU GEMM with: the textbook triple loop, one thread, one dot
 * product per element of C in f32, no blocking, no vectors (beyond what C2 does on its own). f32 operands,
 * one matrix, no bias only; it exists to be measured, not used.
 */
final class NaiveGemm implements Gemm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final Accelerator accelerator;

    NaiveGemm(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    @Override
    public String name() {
        return "naive triple loop (JVM, 1 thread)";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public boolean supports(GemmShape s) {
        return accelerator.backend() == Accelerator.Backend.JVM && s.typeA() == GemmType.F32
                && s.typeB() == GemmType.F32 && s.typeC() == GemmType.F32 && s.batch() == 1 && !s.bias();
    }

    @Override
    public void multiply(GemmShape s, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        GemmOperands.check(accelerator, s, a, offsetA, b, offsetB, c, offsetC, bias);
        if (!supports(s)) {
            throw new IllegalArgumentException(name() + " does not run " + s);
        }
        MemorySegment x = NativeHandles.jvmSegment(a);
        MemorySegment y = NativeHandles.jvmSegment(b);
        MemorySegment z = NativeHandles.jvmSegment(c);
        for (int i = 0; i < s.m(); i++) {
            for (int j = 0; j < s.n(); j++) {
                float sum = 0;
                for (int p = 0; p < s.k(); p++) {
                    long ia = offsetA + (s.transposeA() ? p * s.lda() + i : i * s.lda() + p);
                    long ib = offsetB + (s.transposeB() ? j * s.ldb() + p : p * s.ldb() + j);
                    sum += x.getAtIndex(F32, ia) * y.getAtIndex(F32, ib);
                }
                long ic = offsetC + i * s.ldc() + j;
                z.setAtIndex(F32, ic, alpha * sum + (beta == 0 ? 0 : beta * z.getAtIndex(F32, ic)));
            }
        }
    }

    @Override
    public void close() {
    }
}
