package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * The one bf16 buffer every quantised projection of a model dequantises its weight into before a product: the
 * layers run one after another on one stream, so one weight's worth (the largest) is enough. Grown on demand;
 * closed with the last projection that uses it (the decoder closes them all).
 */
final class DequantScratch implements AutoCloseable {
    private final Accelerator accelerator;
    private DeviceArray buffer;   // (out, in) bf16 of the largest weight seen

    DequantScratch(Accelerator accelerator) {
        this.accelerator = accelerator;
    }

    DeviceArray weights(long elements) {
        if (buffer == null || buffer.isClosed() || buffer.length() < elements) {
            if (buffer != null) {
                buffer.close();
            }
            buffer = accelerator.allocate(BFloat16Array.class, elements);
        }
        return buffer;
    }

    long bytes() {
        return buffer == null ? 0 : buffer.byteSize();
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
        }
    }
}
