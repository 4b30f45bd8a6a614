package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.NativeHandles;

import java.lang.foreign.MemorySegment;

/**
 * The CPU GEMM: every {@link GemmShape} on the JVM accelerator, on the JDK Vector API, multi-threaded and
 * cache-blocked as BLIS-style libraries are. C is cut into tiles ({@link JvmGemmCall}) that the calling
 * thread and a private pool of {@code threads - 1} workers take in turn ({@link JvmGemmWorkers}). A tile
 * packs blocks of A and B into f32 panels, converting f16/bf16 as it goes ({@link JvmGemmPacking}); runs a
 * register kernel of FMAs over them, 8 rows (AVX-512) or 6 by two vectors ({@link JvmGemmKernel}); and
 * writes C once through the epilogue ({@link JvmGemmEpilogue}): alpha, beta (C unread when beta = 0),
 * bias, one rounding to C's type with TornadoMath's bits. Transposes, leading dimensions, offsets and batch
 * strides are all absorbed by the packing, so they cost nothing in the kernel.
 *
 * <p>Measured on 2 cores of an AVX-512 Xeon: about 120 GFLOP/s per core whatever the types and transposes
 * (the kernel alone does about 155), 240 on both; see bench's GemmBench.
 *
 * <p>Limits: f32 arithmetic throughout, so f16/bf16 inputs run at f32 speed (no bf16 dot-product
 * instructions). It needs vector FMA instructions (x86 from AVX2 on, ARM NEON): without them the Vector
 * API runs as plain Java, correct but orders of magnitude slower, as are the first calls of a process
 * before the JIT has compiled the path. Tiles pack B once per row tile rather than sharing one packed B
 * between threads (a few percent for short, wide products). A product under {@link #PARALLEL_FLOPS} runs
 * on the calling thread (handing it out would cost more than it saves), as does one whose memory is
 * confined to the calling thread. Calls on one instance are serialised; they finish before they return,
 * as everything on the JVM accelerator does. A call of a shape seen before allocates nothing once the JIT
 * has compiled it (buffers are per worker and only grow).
 */
public final class JvmGemm implements Gemm {
    /** Below this many FLOPs (about 0.1 ms on one core) the calling thread does it all. */
    static final double PARALLEL_FLOPS = 4e6;
    /** A thread that never runs: asking a segment whether it could reach it tells confined from shared. */
    private static final Thread ANOTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    private final Accelerator accelerator;
    private final JvmGemmWorkers workers;
    private final JvmGemmCall call = new JvmGemmCall();
    private float[] biasValues = new float[0];
    private boolean closed;

    /** A GEMM on {@code accelerator} (a JVM one) with {@code threads} threads, the caller's among them. */
    public JvmGemm(Accelerator accelerator, int threads) {
        if (accelerator.backend() != Accelerator.Backend.JVM) {
            throw new LorisException("the Vector API GEMM runs on the JVM accelerator, not on "
                    + accelerator.spec(), "use Gemms.best(accelerator) to get the GEMM of any accelerator");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("a GEMM needs at least one thread, got " + threads);
        }
        this.accelerator = accelerator;
        this.workers = new JvmGemmWorkers(threads);
    }

    @Override
    public String name() {
        return "Loris Vector API (JVM, " + workers.threads() + (workers.threads() == 1 ? " thread, " : " threads, ")
                + JvmGemmKernel.SPECIES.vectorBitSize() + "-bit)";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public boolean supports(GemmShape shape) {
        return true;
    }

    @Override
    public synchronized void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b,
                                      long offsetB, float beta, DeviceArray c, long offsetC, DeviceArray bias,
                                      DeviceStream stream) {
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
        GemmOperands.check(accelerator, shape, a, offsetA, b, offsetB, c, offsetC, bias);
        if (stream.accelerator() != accelerator) {
            throw new IllegalArgumentException(stream + " belongs to " + stream.accelerator() + ", not to "
                    + accelerator);
        }
        MemorySegment sa = NativeHandles.jvmSegment(a);
        MemorySegment sb = NativeHandles.jvmSegment(b);
        MemorySegment sc = NativeHandles.jvmSegment(c);
        call.set(shape, alpha, sa, offsetA, sb, offsetB, beta, sc, offsetC, bias == null ? null : biasValues(bias,
                shape.n()), workers.threads());
        boolean parallel = shape.flops() >= PARALLEL_FLOPS && sa.isAccessibleBy(ANOTHER_THREAD)
                && sb.isAccessibleBy(ANOTHER_THREAD) && sc.isAccessibleBy(ANOTHER_THREAD);
        try {
            workers.run(call, parallel);
        } finally {
            call.clear();
        }
    }

    /** The bias as f32, in a buffer reused from call to call. */
    private float[] biasValues(DeviceArray bias, int n) {
        if (biasValues.length < n) {
            biasValues = new float[n];
        }
        JvmGemmPacking.convert(GemmType.of(bias.arrayType()), NativeHandles.jvmSegment(bias), 0, n, biasValues, 0);
        return biasValues;
    }

    /** Stops the worker threads; the accelerator stays open. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            workers.close();
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
