package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.runtime.Accelerator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2, Qwen3) on one accelerator: embedding, the layers, the
 * final norm and the LM head, with a forward over a packed {@link Batch} and, from the loss, a backward that
 * gives the gradient of every weight. The walk from here: {@link #forward} makes a {@link ForwardPass},
 * whose {@code loss()} and {@code backward()} finish the step; each layer is a {@link DecoderLayer}, whose
 * kernels are called through {@link Ops}.
 */
public final class Decoder implements AutoCloseable {
    final DecoderWeights weights;
    final Gemm gemm;
    final Ops ops;
    final List<DecoderLayer> layers = new ArrayList<>();

    public Decoder(DecoderWeights weights, Gemm gemm) {
        this.weights = weights;
        this.gemm = gemm;
        this.ops = new Ops(weights.accelerator, weights.precision);
        for (LayerWeights layer : weights.layers) {
            layers.add(new DecoderLayer(weights.config, layer, ops, gemm));
        }
    }

    /** Loads the checkpoint in {@code folder} and multiplies with the accelerator's best GEMM. */
    public static Decoder open(Path folder, Accelerator accelerator, Precision precision) {
        DecoderWeights weights = WeightLoader.load(folder, accelerator, precision);
        try {
            return new Decoder(weights, Gemms.best(accelerator));
        } catch (RuntimeException e) {
            weights.close();
            throw e;
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

    /** Runs the forward over {@code batch}, keeping what the backward needs; close the pass when done. */
    public ForwardPass forward(Batch batch) {
        return new ForwardPass(this, batch);
    }

    @Override
    public void close() {
        try {
            gemm.close();
        } finally {
            weights.close();
        }
    }
}
