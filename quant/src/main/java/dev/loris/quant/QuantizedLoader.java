package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.tornado.runtime.Accelerator;

/**
 * Loads a checkpoint's linear weights as {@link QuantizedWeight}s, one tensor at a time, so the 16-bit model
 * is never on the device: a weight bitsandbytes already quantised (a {@code *-bnb-4bit} checkpoint's
 * quant_state keys, or an 8-bit checkpoint's SCB) is read as stored; a 16-bit weight is quantised on the host
 * from its memory-mapped bytes as {@code --load-in-4bit} / {@code --load-in-8bit} ask ({@link QuantScheme}),
 * then only the quantised bytes are copied to the device.
 *
 * <p>Why the host: quantising needs every value once, and copying 16-bit weights to the device would move four
 * times the bytes the 4-bit result needs; the parallel host quantiser keeps up with reading the file (see
 * {@link FourBitQuantizer}). The device holds one weight's quantised bytes at a time while loading.
 */
public final class QuantizedLoader {
    private final SafetensorsCheckpoint checkpoint;
    private final Accelerator accelerator;

    public QuantizedLoader(SafetensorsCheckpoint checkpoint, Accelerator accelerator) {
        this.checkpoint = checkpoint;
        this.accelerator = accelerator;
    }

    /** Whether {@code weight} is stored quantised (then {@link #load} ignores the scheme). */
    public boolean isPrequantized(String weight) {
        return BnbTensors.isQuantized(checkpoint, weight);
    }

    /** {@code weight} on the device: as stored if pre-quantised, else quantised from 16 bits as {@code scheme}. */
    public QuantizedWeight load(String weight, QuantScheme scheme) {
        return upload(loadHost(weight, scheme));
    }

    /** {@link #load} stopping on the host (to save a quantised checkpoint, or to inspect it). */
    public QuantizedTensor loadHost(String weight, QuantScheme scheme) {
        if (isPrequantized(weight)) {
            return BnbTensors.read(checkpoint, weight);
        }
        return quantize(checkpoint, weight, scheme);
    }

    /** Copies a host tensor to the device. */
    public QuantizedWeight upload(QuantizedTensor tensor) {
        return switch (tensor) {
            case FourBitTensor t -> FourBitWeight.upload(accelerator, t);
            case Int8Tensor t -> Int8Weight.upload(accelerator, t);
        };
    }

    /** Quantises the 16- or 32-bit tensor {@code weight} of {@code checkpoint} on the host. */
    public static QuantizedTensor quantize(SafetensorsCheckpoint checkpoint, String weight, QuantScheme scheme) {
        TensorInfo info = checkpoint.info(weight);
        return switch (scheme) {
            case QuantScheme.FourBit fourBit ->
                    FourBitQuantizer.quantize(weight, checkpoint.data(weight), info.dtype(), info.shape(), fourBit);
            case QuantScheme.Int8 ignored -> {
                if (info.rank() != 2) {
                    throw new LorisException("tensor " + weight + " is " + info.shapeText() + "; 8-bit quantisation "
                            + "is per row of a 2-D weight", "quantise only the linear layers' weights to 8 bits");
                }
                yield Int8Tensor.quantize(new SourceValues(checkpoint.data(weight), info.dtype(), info.elementCount(),
                        weight), info.dim(0), info.dim(1));
            }
        };
    }
}
