package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

/**
 * Matrix multiply on one accelerator: the interface every layer calls (see {@link GemmShape} for what is
 * computed and the row-major conventions). Implementations: cuBLASLt and Loris' tiled PTX kernel on CUDA,
 * CLBlast and the tiled OpenCL kernel on OpenCL, the Vector API on the JVM; {@link Gemms} picks the best
 * one an accelerator has.
 *
 * <p>Calls are asynchronous on {@code stream}, like kernel launches, and allocate nothing per call once a
 * shape has been seen (plans and workspaces are cached per shape). Operands are device arrays of the
 * accelerator, addressed from an element offset, so layers can multiply slices of larger buffers.
 * C may not overlap A or B.
 */
public interface Gemm extends AutoCloseable {

    /** What does the work, for reports: "cuBLASLt 13.0", "CLBlast 1.6.3", "Loris tiled (PTX)", ... */
    String name();

    Accelerator accelerator();

    /** Whether this backend can run {@code shape} (CLBlast, for one, has no bf16). */
    boolean supports(GemmShape shape);

    /**
     * Enqueues {@code C = alpha * op(A) * op(B) + beta * C (+ bias)} on {@code stream}. {@code bias} is null
     * unless {@code shape.bias()}. Arrays must match the shape's types and hold {@code offset + extent}
     * elements; a mismatch is an error naming the operand, raised before anything is enqueued.
     */
    void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                  float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream);

    /** {@link #multiply(GemmShape, float, DeviceArray, long, DeviceArray, long, float, DeviceArray, long,
     * DeviceArray, DeviceStream)} from offset 0 without bias, on the accelerator's default stream. */
    default void multiply(GemmShape shape, float alpha, DeviceArray a, DeviceArray b, float beta, DeviceArray c) {
        multiply(shape, alpha, a, 0, b, 0, beta, c, 0, null, accelerator().defaultStream());
    }

    /** Releases plans, workspaces and library handles (not the accelerator). */
    @Override
    void close();
}
