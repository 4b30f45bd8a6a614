package dev.loris.model.decoder;

import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * A linear module as Hugging Face stores it: y = x · Wᵀ + b with W (out, in) and an optional bias (out), in the
 * model's precision; every product is a GEMM with f32 accumulation. Its weight trains only when the
 * {@link GradientSink} gives it a slot (full fine-tuning, or modules_to_save in LoRA); otherwise backward
 * computes dx alone. The bias gradient is the column sum of dy.
 *
 * <p>For a tied LM head the weight is the embedding: the projection then does not own it, and its gradient
 * goes to the embedding's name so both uses add into one slot.
 */
public final class DenseProjection implements Projection {
    private final String name;
    private final int in;
    private final int out;
    private final DeviceArray weight;  // (out, in) f32 or bf16
    private final DeviceArray bias;    // (out) like the weight, or null
    private final String weightGradientName;
    private final boolean ownsWeight;

    /** A projection that owns its weight and bias; gradients are named {@code name.weight} and {@code name.bias}. */
    public DenseProjection(String name, int in, int out, DeviceArray weight, DeviceArray bias) {
        this(name, in, out, weight, bias, name + ".weight", true);
    }

    private DenseProjection(String name, int in, int out, DeviceArray weight, DeviceArray bias,
                            String weightGradientName, boolean ownsWeight) {
        if (weight.length() != (long) in * out || (bias != null && bias.length() != out)) {
            throw new IllegalArgumentException(name + ": weight " + weight + " / bias " + bias + " do not make a ("
                    + out + ", " + in + ") projection");
        }
        this.name = name;
        this.in = in;
        this.out = out;
        this.weight = weight;
        this.bias = bias;
        this.weightGradientName = weightGradientName;
        this.ownsWeight = ownsWeight;
    }

    /** The LM head of a checkpoint with tied embeddings: the embedding (vocab, hidden), not owned. */
    public static DenseProjection tiedHead(String name, DeviceArray embedding, String embeddingName, int hidden,
                                           int vocab) {
        return new DenseProjection(name, hidden, vocab, embedding, null, embeddingName, false);
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

    /** W (out, in) in the model's precision. */
    public DeviceArray weight() {
        return weight;
    }

    /** The name the weight's gradient is asked for by (the embedding's for a tied head). */
    public String weightGradientName() {
        return weightGradientName;
    }

    /** b (out), or null. */
    public DeviceArray bias() {
        return bias;
    }

    @Override
    public void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved) {
        multiply(c, weight, bias, in, out, x, tokens, y);
    }

    /**
     * y (tokens, out) = x (tokens, in) · Wᵀ (+ b) for a weight (out, in) in x's precision: the product of every
     * projection that holds or makes a dense weight (quantised ones dequantise first).
     */
    public static void multiply(Compute c, DeviceArray weight, DeviceArray bias, int in, int out, DeviceArray x,
                                int tokens, DeviceArray y) {
        GemmType t = Compute.gemmType(weight);
        GemmShape shape = GemmShape.of(tokens, out, in, false, true, t, t, t);
        c.gemm().multiply(bias == null ? shape : shape.withBias(), 1f, x, 0, weight, 0, 0f, y, 0, bias, c.stream());
    }

    /** dx (tokens, in) = dy (tokens, out) · W, added to what dx holds when {@code accumulate}. */
    public static void multiplyBack(Compute c, DeviceArray weight, int in, int out, DeviceArray dy, int tokens,
                                    DeviceArray dx, boolean accumulate) {
        GemmType t = Compute.gemmType(weight);
        c.gemm().multiply(GemmShape.of(tokens, in, out, false, false, t, t, t), 1f, dy, 0, weight, 0,
                accumulate ? 1f : 0f, dx, 0, null, c.stream());
    }

    @Override
    public void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx, boolean accumulateDx,
                         Saved saved, GradientSink sink) {
        GemmType t = Compute.gemmType(weight);
        if (dx != null) {
            multiplyBack(c, weight, in, out, dy, tokens, dx, accumulateDx);
        }
        GradientSink.Slot dWeight = sink.slot(weightGradientName, (long) out * in);
        if (dWeight != null) { // dW (out, in) f32 += dyᵀ · x
            c.gemm().multiply(GemmShape.of(out, in, tokens, true, false, t, t, GemmType.F32), 1f, dy, 0, x, 0, 1f,
                    dWeight.array(), dWeight.offset(), null, c.stream());
        }
        GradientSink.Slot dBias = bias == null ? null : sink.slot(name + ".bias", out);
        if (dBias != null) {
            c.kernels().columnSums(dy, dBias.whole(), tokens, out, true);
        }
    }

    @Override
    public long bytes() {
        return (ownsWeight ? weight.byteSize() : 0) + (bias == null ? 0 : bias.byteSize());
    }

    @Override
    public void close() {
        if (ownsWeight) {
            weight.close();
        }
        if (bias != null) {
            bias.close();
        }
    }
}
