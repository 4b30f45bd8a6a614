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

    /** b (out), or null. */
    public DeviceArray bias() {
        return bias;
    }

    @Override
    public void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved) {
        forwardRows(c, x, 0, tokens, y);
    }

    @Override
    public void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx, boolean accumulateDx,
                         Saved saved, GradientSink sink) {
        if (dx != null) {
            multiplyBack(c, weight, in, out, dy, tokens, dx, 0, accumulateDx);
        }
        addParameterGradients(c, dy, x, 0, tokens, sink);
    }

    /**
     * The forward of rows {@code firstRow ..} of x: y (rows, out) = x[firstRow .. + rows] · Wᵀ (+ b). For a loss
     * that runs the LM head a chunk of tokens at a time.
     */
    void forwardRows(Compute c, DeviceArray x, int firstRow, int rows, DeviceArray y) {
        multiply(c, weight, bias, in, out, x, firstRow, rows, y);
    }

    /**
     * The backward of {@link #forwardRows}: dy (rows, out) holds those rows' gradient only; dx rows
     * {@code firstRow ..} are written (not added to), and the trained parameters' gradients added to the sink.
     */
    void backwardRows(Compute c, DeviceArray dy, DeviceArray x, int firstRow, int rows, DeviceArray dx,
                      GradientSink sink) {
        multiplyBack(c, weight, in, out, dy, rows, dx, firstRow, false);
        addParameterGradients(c, dy, x, firstRow, rows, sink);
    }

    /**
     * y (tokens, out) = x[firstRow .. firstRow + tokens] (rows of in) · Wᵀ (+ b) for a weight (out, in) in x's
     * precision: the product of every projection that holds or makes a dense weight (quantised ones dequantise
     * first).
     */
    public static void multiply(Compute c, DeviceArray weight, DeviceArray bias, int in, int out, DeviceArray x,
                                int firstRow, int tokens, DeviceArray y) {
        GemmType t = Compute.gemmType(weight);
        GemmShape shape = GemmShape.of(tokens, out, in, false, true, t, t, t);
        c.gemm().multiply(bias == null ? shape : shape.withBias(), 1f, x, (long) firstRow * in, weight, 0, 0f, y, 0,
                bias, c.stream());
    }

    /**
     * dx[firstRow .. firstRow + tokens] (rows of in) = dy (tokens, out) · W, added to what dx holds when
     * {@code accumulate}.
     */
    public static void multiplyBack(Compute c, DeviceArray weight, int in, int out, DeviceArray dy, int tokens,
                                    DeviceArray dx, int firstRow, boolean accumulate) {
        GemmType t = Compute.gemmType(weight);
        c.gemm().multiply(GemmShape.of(tokens, in, out, false, false, t, t, t), 1f, dy, 0, weight, 0,
                accumulate ? 1f : 0f, dx, (long) firstRow * in, null, c.stream());
    }

    /** dW (out, in) f32 += dyᵀ · x[firstRow ..] and db += the column sums of dy, where the sink trains them. */
    private void addParameterGradients(Compute c, DeviceArray dy, DeviceArray x, int firstRow, int tokens,
                                       GradientSink sink) {
        GradientSink.Slot dWeight = sink.slot(weightGradientName, (long) out * in);
        if (dWeight != null) {
            GemmType t = Compute.gemmType(weight);
            c.gemm().multiply(GemmShape.of(out, in, tokens, true, false, t, t, GemmType.F32), 1f, dy, 0, x,
                    (long) firstRow * in, 1f, dWeight.array(), dWeight.offset(), null, c.stream());
        }
        addBiasGradient(c, sink, bias == null ? null : name + ".bias", dy, tokens, out);
    }

    /**
     * db (out) f32 += the column sums of dy (tokens, out) when the sink trains the bias {@code biasName} (null:
     * there is no bias). Shared with projections whose weight is not dense.
     */
    public static void addBiasGradient(Compute c, GradientSink sink, String biasName, DeviceArray dy, int tokens,
                                       int out) {
        GradientSink.Slot dBias = biasName == null ? null : sink.slot(biasName, out);
        if (dBias != null) {
            c.kernels().columnSums(dy, dBias.array(), dBias.offset(), tokens, out, true);
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
