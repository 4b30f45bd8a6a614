package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Map;

/**
 * An LLM.int8 row-wise weight on a device, dequantised by {@link Int8Dequantize}: four values per step when
 * the row length is a multiple of 4, the plain kernel otherwise.
 */
public final class Int8Weight implements QuantizedWeight {
    private final long rows;
    private final long cols;
    private final Accelerator accelerator;
    private final DeviceArray codes;   // (rows, cols) i8
    private final DeviceArray scb;     // (rows) f32
    private Launches.Launcher launcher;
    private boolean closed;

    private Int8Weight(long rows, long cols, Accelerator accelerator, DeviceArray codes, DeviceArray scb) {
        this.rows = rows;
        this.cols = cols;
        this.accelerator = accelerator;
        this.codes = codes;
        this.scb = scb;
    }

    /** Copies {@code tensor} to {@code accelerator}. */
    public static Int8Weight upload(Accelerator accelerator, Int8Tensor tensor) {
        DeviceArray codes = accelerator.upload(tensor.codes());
        try {
            return new Int8Weight(tensor.rows(), tensor.cols(), accelerator, codes, accelerator.upload(tensor.scb()));
        } catch (RuntimeException e) {
            codes.close();
            throw e;
        }
    }

    @Override
    public long[] shape() {
        return new long[] {rows, cols};
    }

    @Override
    public long bytes() {
        return codes.byteSize() + scb.byteSize();
    }

    @Override
    public void dequantize(DeviceArray outBf16, DeviceStream stream) {
        long n = rows * cols;
        Launches.checkOutput(outBf16, accelerator, n, shape());
        boolean packedPath = cols % 4 == 0;
        if (launcher == null) {
            KernelLaunch launch = accelerator.compile(Int8Dequantize.class,
                    packedPath ? "dequantizeBf16Packed" : "dequantizeBf16", Map.of()).launcher();
            launch.set(1, packedPath ? codes.view(IntArray.class) : codes).set(2, scb)
                    .set(4, packedPath ? n / 4 : n).set(5, (int) (packedPath ? cols / 4 : cols));
            launcher = new Launches.Launcher(launch, 3, packedPath);
        }
        launcher.run(outBf16, packedPath ? n / 4 : n, stream);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (launcher != null) {
                launcher.close();
            }
            codes.close();
            scb.close();
        }
    }

    @Override
    public String toString() {
        return "int8 [" + rows + ", " + cols + "] on " + accelerator.spec();
    }
}
