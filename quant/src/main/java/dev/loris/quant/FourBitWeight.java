package dev.loris.quant;

import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.ShortArray;
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
        boolean packedPath = n % 4 == 0;
        if (launcher == null) {
            String kernel = packedPath ? "dequantizeBf16Packed" : "dequantizeBf16";
            KernelLaunch launch = accelerator.compile(FourBitDequantize.class, kernel, Map.of(
                    FourBitDequantize.CONSTANT_BLOCK_SHIFT, Integer.numberOfTrailingZeros(blocksize),
                    FourBitDequantize.CONSTANT_NESTED, nested,
                    FourBitDequantize.CONSTANT_FP4, type == FourBitType.FP4)).launcher();
            launch.set(1, packedPath ? packed.view(ShortArray.class) : packed).set(2, absmaxCodes).set(3, absmax)
                    .set(4, nestedCode).set(5, offset).set(7, packedPath ? n / 4 : n);
            launcher = new Launches.Launcher(launch, 6, packedPath);
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
