package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.kernels.CrossEntropy;
import dev.loris.tornado.kernels.Embedding;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * One forward over a batch and what follows it: in training, {@link #train} (the loss and every gradient in
 * one walk back); in tests and evaluation, {@link #logits()}, {@link #loss()}, then {@link #backward}, in that
 * order. The logits of a training step exist a chunk of tokens at a time ({@link LmHeadLoss}). Holds every activation the backward reads (see
 * {@link LayerActivations}) until {@link #close()}.
 */
public final class ForwardPass implements AutoCloseable {
    private final Decoder decoder;
    private final ModelConfig config;
    private final PackedBatch batch;
    private final long seed;
    private final boolean training;  // projections keep what backward needs (and apply dropout)
    private final List<DeviceArray> hidden = new ArrayList<>();   // L + 1 of (T, H): each layer's input, then the last output
    private final List<LayerActivations> activations = new ArrayList<>();
    private final DeviceArray scratch;        // (T, H)
    private final DeviceArray finalNormed;    // (T, H)
    private final DeviceArray finalInverseRms; // (T) f32
    private final DeviceArray losses;         // (T) f32
    private boolean lossDone;

    ForwardPass(Decoder decoder, Batch hostBatch, long seed, boolean training) {
        this.decoder = decoder;
        this.seed = seed;
        this.training = training;
        this.config = decoder.config();
        Accelerator acc = decoder.accelerator();
        Precision p = decoder.precision();
        int t = hostBatch.tokens();
        long h = config.hiddenSize();
        this.batch = new PackedBatch(acc, hostBatch, config);
        this.scratch = acc.allocate(p.arrayType, t * h);
        this.finalNormed = acc.allocate(p.arrayType, t * h);
        this.finalInverseRms = acc.allocate(FloatArray.class, t);
        this.losses = acc.allocate(FloatArray.class, t);
        for (int l = 0; l <= config.numHiddenLayers(); l++) {
            hidden.add(acc.allocate(p.arrayType, t * h));
        }
        run();
    }

    private void run() {
        DecoderWeights w = decoder.weights;
        Compute c = decoder.compute;
        int t = batch.tokens();
        c.kernels().embedding(batch.ids(), w.embedding, hidden.get(0), t, config.hiddenSize());
        for (int l = 0; l < decoder.layers.size(); l++) {
            DecoderLayer layer = decoder.layers.get(l);
            LayerActivations a = new LayerActivations(decoder.accelerator(), config, decoder.precision(), t);
            activations.add(a);
            if (training) {
                a.keepForBackward(layer.weights(), c, t, seed * 1_000_003L + l);
            }
            layer.forward(hidden.get(l), hidden.get(l + 1), a, batch, scratch);
        }
        c.kernels().rmsNorm(hidden.getLast(), w.finalNorm, finalNormed, finalInverseRms, t, config.hiddenSize(),
                (float) config.rmsNormEps());
    }

    /**
     * All the logits (tokens, vocab) as f32 on the host, for tests and inspection: a training step never holds
     * them (see {@link LmHeadLoss}). Only before {@link #loss()}.
     */
    public float[] logits() {
        if (lossDone) {
            throw new IllegalStateException("ask for the logits before the loss");
        }
        int t = batch.tokens();
        try (DeviceArray logits = decoder.accelerator().allocate(decoder.precision().arrayType,
                (long) t * config.vocabSize())) { // (T, vocab)
            decoder.weights.lmHead().forward(decoder.compute, finalNormed, t, logits, null);
            return HostCopies.floats(logits);
        }
    }

    /**
     * The mean cross-entropy over the labelled tokens, as transformers' causal-LM loss (labels shifted by the
     * {@link Batch}, f32 maths), computed a chunk of tokens at a time ({@link LmHeadLoss}).
     */
    public double loss() {
        int labelled = requireLabels();
        LmHeadLoss.run(decoder, finalNormed, batch.labels(), losses, batch.tokens(), CrossEntropy.meanScale(labelled),
                null, null);
        lossDone = true;
        return sumLosses() / labelled;
    }

    /**
     * Walks the layers back from the loss, adding the f32 gradient of each parameter that {@code sink} gives a
     * slot to (named as the checkpoint names it; see {@link GradientSink}); frozen parameters cost neither time
     * nor memory. Call once, after {@link #loss()} (which this repeats chunk by chunk, now with gradients);
     * a training step calls {@link #train} instead, which does both at once.
     */
    public void backward(GradientSink sink) {
        if (!lossDone) {
            throw new IllegalStateException("call loss() before backward()");
        }
        backwardFromLoss(sink, CrossEntropy.meanScale(requireLabels()));
    }

    /**
     * One training micro-step after this forward: the loss and every gradient in one walk, the loss gradient
     * scaled by {@code scale} (1 / the labelled tokens of the whole accumulation window, so that summing the
     * micro-steps' gradients gives the window's mean). Returns the SUM of this batch's token losses (divide the
     * window's sum by its labelled tokens for the mean). The logits exist a chunk at a time only.
     */
    public double train(GradientSink sink, float scale) {
        requireLabels();
        backwardFromLoss(sink, scale);
        lossDone = true;
        return sumLosses();
    }

    private int requireLabels() {
        int labelled = batch.host().labelledTokens();
        if (labelled == 0) {
            throw new LorisException("the batch has no labelled token", "give at least one sequence of two tokens"
                    + " with a label that is not -100");
        }
        return labelled;
    }

    private double sumLosses() {
        FloatArray host = new FloatArray(batch.tokens());
        losses.copyTo(host);
        return CrossEntropy.sumLosses(host);
    }

    private void backwardFromLoss(GradientSink sink, float scale) {
        if (!training) {
            throw new IllegalStateException("an evaluation pass keeps nothing for a backward: use Decoder.forward");
        }
        Accelerator acc = decoder.accelerator();
        DecoderWeights w = decoder.weights;
        KernelLaunchers ops = decoder.compute.kernels();
        int t = batch.tokens();
        int h = config.hiddenSize();
        try (BackwardScratch scratchBuffers = new BackwardScratch(acc, config, decoder.precision(), t);
             DeviceArray gradient = acc.allocate(decoder.precision().arrayType, (long) t * h)) { // dy, then dx
            LmHeadLoss.run(decoder, finalNormed, batch.labels(), losses, t, scale, scratch, sink); // scratch: dNormed
            GradientSink.Slot dFinalNorm = sink.slot("model.norm.weight", h);
            ops.rmsNormBackward(hidden.getLast(), w.finalNorm, scratch, finalInverseRms, gradient,
                    dFinalNorm == null ? null : dFinalNorm.array(), dFinalNorm == null ? 0 : dFinalNorm.offset(),
                    scratchBuffers.partials, t, h);
            for (int l = decoder.layers.size() - 1; l >= 0; l--) {
                decoder.layers.get(l).backward(hidden.get(l), gradient, activations.get(l), sink, batch,
                        scratchBuffers);
            }
            GradientSink.Slot dEmbedding = sink.slot("model.embed_tokens.weight", (long) config.vocabSize() * h);
            if (dEmbedding != null) {
                embeddingBackward(gradient, dEmbedding);
            }
            acc.synchronize();
        }
    }

    private void embeddingBackward(DeviceArray dHidden, GradientSink.Slot dEmbedding) {
        Accelerator acc = decoder.accelerator();
        Embedding.Segments segments = Embedding.segments(IntArray.fromArray(batch.host().ids()), config.vocabSize());
        try (DeviceArray order = acc.upload(segments.order()); DeviceArray starts = acc.upload(segments.starts())) {
            decoder.compute.kernels().embeddingBackward(dHidden, batch.ids(), order, starts, dEmbedding.array(),
                    dEmbedding.offset(), segments.count(), config.hiddenSize());
            acc.synchronize();
        }
    }

    @Override
    public void close() {
        batch.close();
        activations.forEach(LayerActivations::close);
        hidden.forEach(DeviceArray::close);
        for (DeviceArray array : new DeviceArray[] {scratch, finalNormed, finalInverseRms, losses}) {
            array.close();
        }
    }
}
