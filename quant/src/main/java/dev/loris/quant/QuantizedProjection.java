package dev.loris.quant;

import dev.loris.LorisException;
import dev.loris.model.decoder.Compute;
import dev.loris.model.decoder.DenseProjection;
import dev.loris.model.decoder.GradientSink;
import dev.loris.model.decoder.Projection;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * A frozen linear module whose weight is held quantised (NF4/FP4 4-bit or int8, see {@link QuantizedWeight}):
 * each product dequantises the weight into a bf16 scratch (out, in) shared by every quantised projection of
 * the model, then multiplies as {@link dev.loris.model.decoder.DenseProjection} does. Backward gives dx (and a
 * bias gradient if one trains); the quantised weight never trains. bf16 activations only: QLoRA computes in
 * bf16. A decoding step (a few rows) on CUDA multiplies a 4-bit weight in place instead ({@link FourBitGemv});
 * the fused dequantise-GEMM for many rows is the tensor-core issue's.
 */
public final class QuantizedProjection implements Projection {
    private final String name;
    private final QuantizedWeight weight;   // (out, in) quantised
    private final DeviceArray bias;         // (out) bf16, or null
    private final DequantScratch scratch;
    private final int in;
    private final int out;

    QuantizedProjection(String name, QuantizedWeight weight, DeviceArray bias, DequantScratch scratch) {
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.scratch = scratch;
        this.out = Math.toIntExact(weight.shape()[0]);
        this.in = Math.toIntExact(weight.shape()[1]);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }

    public QuantizedWeight weight() {
        return weight;
    }

    @Override
    public void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved) {
        requireBf16(x);
        if (bias == null && weight instanceof FourBitWeight fourBit && fourBit.multiplies(tokens)) {
            fourBit.multiply(x, tokens, y, c.stream()); // a decoding step: the 4-bit weight read once, in place
            return;
        }
        DenseProjection.multiply(c, dequantized(c), bias, in, out, x, 0, tokens, y);
    }

    @Override
    public void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx, boolean accumulateDx,
                         Saved saved, GradientSink sink) {
        if (sink.slot(name + ".weight", (long) out * in) != null) {
            throw new LorisException(name + " is quantised and cannot train in full",
                    "train it with LoRA, or load the model in 16 bits for full fine-tuning");
        }
        if (dx != null) {
            DenseProjection.multiplyBack(c, dequantized(c), in, out, dy, tokens, dx, 0, accumulateDx);
        }
        DenseProjection.addBiasGradient(c, sink, bias == null ? null : name + ".bias", dy, tokens, out);
    }

    private DeviceArray dequantized(Compute c) {
        DeviceArray w = scratch.weights((long) out * in);
        weight.dequantize(w, c.stream());
        return w;
    }

    private void requireBf16(DeviceArray x) {
        if (Compute.gemmType(x) != GemmType.BF16) {
            throw new LorisException(name + " is quantised, and quantised models compute in bf16",
                    "load quantised models with precision bf16");
        }
    }

    @Override
    public long bytes() {
        return weight.bytes() + (bias == null ? 0 : bias.byteSize());
    }

    @Override
    public void close() {
        weight.close();
        scratch.close(); // shared: closing it twice is harmless, and nothing runs after the decoder closes
        if (bias != null) {
            bias.close();
        }
    }
}
