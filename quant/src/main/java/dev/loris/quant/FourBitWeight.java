package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Map;

/**
 * A bitsandbytes 4-bit weight (NF4 or FP4, plain or double-quantised absmax) on a device, dequantised by
 * {@link FourBitDequantize}: the four-values-per-step kernel when the count is a multiple of 4 (every linear
 * layer of the models Loris runs), the plain one otherwise.
 */
public final class FourBitWeight implements QuantizedWeight {
    private final FourBitType type;
    private final int blocksize;
    private final long[] shape;
    private final boolean nested;
    private final Accelerator accelerator;
    private final DeviceArray packed;            // (ceil(n/2)) u8
    private final DeviceArray absmaxCodes;       // (blocks) u8 when nested, else a 1-byte placeholder
    private final DeviceArray absmax;            // (ceil(blocks/256)) f32 when nested, else (blocks) f32
    private final DeviceArray nestedCode;        // (256) f32 when nested, else a 1-float placeholder
    private final float offset;
    private Launches.Launcher launcher;
    private KernelLaunch gemv;                   // FourBitGemv, compiled on first use
    private DeviceArray packedLongs;             // packed seen as longs, for gemv
    private DeviceArray lastX;
    private DeviceArray lastXLongs;
    private boolean closed;

    private FourBitWeight(FourBitTensor layout, Accelerator accelerator, DeviceArray packed, DeviceArray absmaxCodes,
                          DeviceArray absmax, DeviceArray nestedCode, float offset) {
        this.type = layout.type();
        this.blocksize = layout.blocksize();
        this.shape = layout.shape();
        this.nested = layout.absmax() instanceof Absmax.Nested;
        this.accelerator = accelerator;
        this.packed = packed;
        this.absmaxCodes = absmaxCodes;
        this.absmax = absmax;
        this.nestedCode = nestedCode;
        this.offset = offset;
    }

    /** Copies {@code tensor} to {@code accelerator}. */
    public static FourBitWeight upload(Accelerator accelerator, FourBitTensor tensor) {
        DeviceArray packed = accelerator.upload(tensor.packed());
        try {
            return switch (tensor.absmax()) {
                case Absmax.Plain plain -> new FourBitWeight(tensor, accelerator, packed,
                        accelerator.allocate(ByteArray.class, 1), accelerator.upload(plain.values()),
                        accelerator.allocate(FloatArray.class, 1), 0f);
                case Absmax.Nested nested -> new FourBitWeight(tensor, accelerator, packed,
                        accelerator.upload(nested.codes()), accelerator.upload(nested.nestedAbsmax()),
                        accelerator.upload(nested.nestedCode()), nested.offset());
            };
        } catch (RuntimeException e) {
            packed.close();
            throw e;
        }
    }

    public FourBitType type() {
        return type;
    }

    public int blocksize() {
        return blocksize;
    }

    public boolean doubleQuantised() {
        return nested;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long bytes() {
        return packed.byteSize() + absmaxCodes.byteSize() + absmax.byteSize() + nestedCode.byteSize();
    }

    @Override
    public void dequantize(DeviceArray outBf16, DeviceStream stream) {
        long n = FourBitTensor.elementCount(shape);
        Launches.checkOutput(outBf16, accelerator, n, shape);
        boolean packedPath = n % 16 == 0;
        if (launcher == null) {
            String kernel = packedPath ? "dequantizeBf16Packed" : "dequantizeBf16";
            KernelLaunch launch = accelerator.compile(FourBitDequantize.class, kernel, Map.of(
                    FourBitDequantize.CONSTANT_BLOCK_SHIFT, Integer.numberOfTrailingZeros(blocksize),
                    FourBitDequantize.CONSTANT_NESTED, nested,
                    FourBitDequantize.CONSTANT_FP4, type == FourBitType.FP4)).launcher();
            launch.set(1, packedPath ? packed.view(LongArray.class) : packed).set(2, absmaxCodes).set(3, absmax)
                    .set(4, nestedCode).set(5, offset).set(7, packedPath ? n / 16 : n);
            launcher = new Launches.Launcher(launch, 6, packedPath);
        }
        launcher.run(outBf16, packedPath ? n / 16 : n, stream);
    }

    /**
     * Whether {@link #multiply} takes {@code rows} rows of x: a decoding step (at most FourBitGemv.MAX_ROWS) on
     * CUDA, where reading the 4-bit weight once beats writing and reading its bf16 copy; a row length that is a
     * multiple of 16. Elsewhere (and for prefill or training) the weight is dequantised for the GEMM.
     */
    public boolean multiplies(int rows) {
        return rows >= 1 && rows <= FourBitGemv.MAX_ROWS && shape.length == 2 && shape[1] % 16 == 0
                && accelerator.backend() == Accelerator.Backend.CUDA;
    }

    /** y (rows, out) bf16 = x (rows, in) bf16 · Wᵀ without a bf16 copy of W ({@link FourBitGemv}), on stream. */
    public void multiply(DeviceArray x, int rows, DeviceArray y, DeviceStream stream) {
        int out = Math.toIntExact(shape[0]);
        int in = Math.toIntExact(shape[1]);
        if (gemv == null) {
            gemv = accelerator.compile(FourBitGemv.class, "multiplyBf16", Map.of(
                    FourBitGemv.CONSTANT_BLOCK_SHIFT, Integer.numberOfTrailingZeros(blocksize),
                    FourBitGemv.CONSTANT_NESTED, nested,
                    FourBitGemv.CONSTANT_FP4, type == FourBitType.FP4)).launcher();
            packedLongs = packed.view(LongArray.class);
            gemv.set(1, packedLongs).set(2, absmaxCodes).set(3, absmax).set(4, nestedCode).set(5, offset)
                    .set(9, in).set(10, out);
        }
        if (x != lastX) { // a view made once per input array: a decoding loop reuses its buffers
            lastX = x;
            lastXLongs = x.view(LongArray.class);
        }
        int local = 128;
        long groups = (out + local / 32 - 1) / (local / 32);
        gemv.set(6, lastXLongs).set(7, y).set(8, rows).launch(groups * local, local, stream);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (launcher != null) {
                launcher.close();
            }
            if (packedLongs != null) {
                packedLongs.close();
            }
            if (lastXLongs != null) {
                lastXLongs.close();
            }
            packed.close();
            absmaxCodes.close();
            absmax.close();
            nestedCode.close();
        }
    }

    @Override
    public String toString() {
        return type.bnbName() + " " + java.util.Arrays.toString(shape) + " blocksize " + blocksize
                + (nested ? ", double-quantised" : "") + " on " + accelerator.spec();
    }
}
