package dev.loris.tornado.gemm.clblast;

import dev.loris.LorisException;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmOperands;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.NativeHandles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * GEMM on an OpenCL device through CLBlast: f32 only (see {@link ClBlastLibrary} for why not f16, and CLBlast
 * has no bf16), row-major as GemmShape is, with transposes, leading dimensions and element offsets passed
 * straight through; batches go to CLBlastSgemmStridedBatched. The bias is added by {@link ClBlastBias}.
 *
 * <p>Everything runs on the accelerator's one in-order queue, so the call is ordered with the kernels and
 * copies around it; CLBlast's own event is not asked for. CLBlast compiles its kernels for a device on first
 * use (seconds on PoCL) and caches them for the process. One thread at a time, like the accelerator.
 */
final class ClBlastGemm implements Gemm {
    private final Accelerator accelerator;
    private final ClBlastLibrary library;
    private final Arena arena = Arena.ofShared();
    /** The cl_command_queue, where CLBlast's {@code cl_command_queue*} argument points. */
    private final MemorySegment queueSlot;
    private ClBlastBias bias;
    private boolean closed;

    ClBlastGemm(Accelerator accelerator, ClBlastLibrary library) {
        this.accelerator = accelerator;
        this.library = library;
        this.queueSlot = arena.allocateFrom(ADDRESS, NativeHandles.openClQueue(accelerator));
    }

    @Override
    public String name() {
        return "CLBlast (" + library.libraryName() + ")";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    /** f32 A, B and C only; the bias, when there is one, is f32 too (C's type). */
    @Override
    public boolean supports(GemmShape shape) {
        return shape.typeA() == GemmType.F32 && shape.typeB() == GemmType.F32 && shape.typeC() == GemmType.F32;
    }

    @Override
    public void multiply(GemmShape s, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray biasArray, DeviceStream stream) {
        requireUsable(s);
        GemmOperands.check(accelerator, s, a, offsetA, b, offsetB, c, offsetC, biasArray, stream);
        MemorySegment bufferA = NativeHandles.openClBuffer(a);
        MemorySegment bufferB = NativeHandles.openClBuffer(b);
        MemorySegment bufferC = NativeHandles.openClBuffer(c);
        int status;
        if (s.batch() == 1) {
            status = library.sgemm(s.transposeA(), s.transposeB(), s.m(), s.n(), s.k(), alpha, bufferA, offsetA,
                    s.lda(), bufferB, offsetB, s.ldb(), beta, bufferC, offsetC, s.ldc(), queueSlot);
        } else {
            status = library.sgemmStridedBatched(s.transposeA(), s.transposeB(), s.m(), s.n(), s.k(), alpha,
                    bufferA, offsetA, s.lda(), s.strideA(), bufferB, offsetB, s.ldb(), s.strideB(), beta,
                    bufferC, offsetC, s.ldc(), s.strideC(), s.batch(), queueSlot);
        }
        if (status != ClBlastStatus.SUCCESS) {
            throw ClBlastStatus.error(s.batch() == 1 ? "CLBlastSgemm" : "CLBlastSgemmStridedBatched", status,
                    s + " on " + accelerator.spec());
        }
        if (s.bias()) {
            if (bias == null) {
                bias = new ClBlastBias(accelerator);
            }
            bias.add(s, c, offsetC, biasArray, stream);
        }
    }

    private void requireUsable(GemmShape shape) {
        if (closed) {
            throw new IllegalStateException(name() + " on " + accelerator.spec() + " is closed");
        }
        if (!supports(shape)) {
            throw new LorisException("CLBlast cannot run " + shape + ": it multiplies f32 matrices only (it has no"
                    + " bf16, and its f16 GEMM accumulates in f16)", "use Gemms.best, which picks a backend per shape");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return name() + " on " + accelerator.spec();
    }
}
