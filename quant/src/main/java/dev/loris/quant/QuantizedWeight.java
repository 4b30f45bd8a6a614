package dev.loris.quant;

import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

/**
 * A frozen weight held quantised on a device, dequantised to bf16 on demand to feed the GEMM (the fused
 * dequant-GEMM is later work). The decoder holds these instead of bf16 weights under QLoRA.
 */
public sealed interface QuantizedWeight extends AutoCloseable permits FourBitWeight, Int8Weight {
    /** The weight's shape ((out, in) for a linear layer); the bf16 output is row-major in it. */
    long[] shape();

    /** Device bytes this weight holds (codes, scales and tables). */
    long bytes();

    /**
     * Queues the dequantisation of the whole weight into {@code outBf16} (a BFloat16Array device array of at
     * least shape's product elements, on this weight's accelerator) on {@code stream}. Allocates nothing on
     * the Java heap after the first call.
     */
    void dequantize(DeviceArray outBf16, DeviceStream stream);

    /** Releases the device arrays (and launchers); idempotent. */
    @Override
    void close();
}
