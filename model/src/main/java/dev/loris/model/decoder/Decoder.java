package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A decoder (Llama, Mistral, Qwen2, Qwen3, Gemma 2, Gemma 3 text) on one accelerator: embedding, the layers, the
 * final norm and the LM head, with a forward over a packed {@link Batch} and, from the loss, a backward that
 * adds gradients to a {@link GradientSink} for whatever trains. The walk from here: {@link #forward} makes a
 * {@link ForwardPass}, whose {@code loss()} and {@code backward(sink)} finish the step; each layer is a
 * {@link DecoderLayer}, whose kernels are called through {@link KernelLaunchers} and whose linear modules are
 * {@link Projection}s.
 */
public final class Decoder implements AutoCloseable {
    final DecoderWeights weights;
    final Compute compute;
    final List<DecoderLayer> layers = new ArrayList<>();

    public Decoder(DecoderWeights weights, Gemm gemm) {
        this(weights, new Compute(gemm, new KernelLaunchers(weights.accelerator)));
    }

    /** A decoder computing with the given GEMM and launchers (tests pick the attention kernels this way). */
    public Decoder(DecoderWeights weights, Compute compute) {
        this.weights = weights;
        this.compute = compute;
        buildLayers();
    }

    /** Loads the checkpoint in {@code folder} and multiplies with the accelerator's best GEMM. */
    public static Decoder open(Path folder, Accelerator accelerator, Precision precision) {
        return open(folder, accelerator, precision, ProjectionLoader.DENSE);
    }

    /** As {@link #open(Path, Accelerator, Precision)}, with the layers' projections made by {@code projections}. */
    public static Decoder open(Path folder, Accelerator accelerator, Precision precision,
                               ProjectionLoader projections) {
        DecoderWeights weights = WeightLoader.load(folder, accelerator, precision, projections);
        try {
            return new Decoder(weights, Gemms.best(accelerator));
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    private void buildLayers() {
        layers.clear();
        for (LayerWeights layer : weights.layers()) {
            layers.add(new DecoderLayer(weights.config, layer, compute, layers.size()));
        }
    }

    public ModelConfig config() {
        return weights.config;
    }

    public Precision precision() {
        return weights.precision;
    }

    public Accelerator accelerator() {
        return weights.accelerator;
    }

    public DecoderWeights weights() {
        return weights;
    }

    /**
     * Keeps the input embedding in host memory, gathering each pass' rows there and copying them over (see
     * {@link HostEmbedding}): Llama-3.1-8B's embedding frees 1 GB of device memory for a copy of a few MB per
     * step. Only for an embedding no gradient reaches (a trainer in the memory mode checks); returns whether it
     * moved: not when the LM head is tied to it, nor on the JVM, whose device memory is the host's.
     */
    public boolean keepEmbeddingOnHost() {
        return weights.keepEmbeddingOnHost();
    }

    /** The GEMM and kernels this decoder computes with (projections of other modules use them too). */
    public Compute compute() {
        return compute;
    }

    /**
     * Puts {@code replace}'s answer in place of each layer projection (return the argument to keep it): how LoRA
     * attaches. The decoder owns the new projections.
     */
    public void replaceProjections(UnaryOperator<Projection> replace) {
        weights.replaceProjections(replace);
        buildLayers();
    }

    /** Puts {@code head} in place of the LM head (e.g. a trained copy); the decoder owns it. */
    public void replaceLmHead(Projection head) {
        weights.replaceLmHead(head);
    }

    /** Runs the forward over {@code batch}, keeping what the backward needs; close the pass when done. */
    public ForwardPass forward(Batch batch) {
        return forward(batch, 0);
    }

    /**
     * As {@link #forward(Batch)}, with {@code seed} fixing the pass's randomness (LoRA dropout): a trainer gives
     * each step its own.
     */
    public ForwardPass forward(Batch batch, long seed) {
        return forward(batch, seed, GradientCheckpointing.NONE);
    }

    /**
     * As {@link #forward(Batch, long)}, keeping for the backward what {@code checkpointing} says: everything
     * (none), the layer inputs on the device (standard) or in pinned host memory (offload); the last two
     * recompute each layer's forward in the backward. The gradients are the same in every mode.
     */
    public ForwardPass forward(Batch batch, long seed, GradientCheckpointing checkpointing) {
        return new ForwardPass(this, batch, seed, true, checkpointing);
    }

    /**
     * A forward in evaluation mode, as PyTorch's {@code model.eval()}: no dropout and nothing kept for a
     * backward (which then refuses to run): for logits and losses of held-out data.
     */
    public ForwardPass evaluate(Batch batch) {
        return new ForwardPass(this, batch, 0, false, GradientCheckpointing.NONE);
    }

    @Override
    public void close() {
        try {
            compute.gemm().close();
        } finally {
            weights.close();
        }
    }
}
