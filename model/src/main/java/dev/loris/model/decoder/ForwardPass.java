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
 * order. The logits of a training step exist a chunk of tokens at a time ({@link LmHeadLoss}). What it holds
 * for the backward until {@link #close()} depends on its {@link GradientCheckpointing}: every layer's
 * {@link LayerActivations} (none), or only the layer inputs ({@link LayerInputs}, on the device or offloaded
 * to the host) and one set of activations that the backward refills by recomputing each layer's forward.
 */
public final class ForwardPass implements AutoCloseable {
    private final Decoder decoder;
    private final ModelConfig config;
    private final PackedBatch batch;
    private final long seed;
    private final boolean training;  // projections keep what backward needs (and apply dropout)
    private final GradientCheckpointing checkpointing;
    private final LayerInputs hidden;  // L + 1 of (T, H): each layer's input, then the last output
    // One per layer without checkpointing; else one, shared (evaluation too: it keeps nothing for a backward).
    private final List<LayerActivations> activations = new ArrayList<>();
    private final OwnedResources owned = new OwnedResources("a forward pass"); // after the activations
    private final DeviceArray scratch;        // (T, H)
    private final DeviceArray finalNormed;    // (T, H)
    private final DeviceArray finalInverseRms; // (T) f32
    private final DeviceArray losses;         // (T) f32
    private boolean lossDone;

    ForwardPass(Decoder decoder, Batch hostBatch, long seed, boolean training, GradientCheckpointing checkpointing) {
        this.decoder = decoder;
        this.seed = seed;
        this.training = training;
        this.checkpointing = checkpointing;
        this.config = decoder.config();
        Accelerator acc = decoder.accelerator();
        Precision p = decoder.precision();
        int t = hostBatch.tokens();
        long h = config.hiddenSize();
        try { // out of device memory part way (a trainer may then retry smaller): free what was taken
            this.batch = own(new PackedBatch(acc, hostBatch, config));
            this.scratch = own(acc.allocate(p.arrayType, t * h));
            this.finalNormed = own(acc.allocate(p.arrayType, t * h));
            this.finalInverseRms = own(acc.allocate(FloatArray.class, t));
            this.losses = own(acc.allocate(FloatArray.class, t));
            int layers = config.numHiddenLayers();
            this.hidden = own(checkpointing == GradientCheckpointing.OFFLOAD
                    ? new OffloadedLayerInputs(acc, decoder.compute.stream(), p.arrayType, t * h, layers)
                    : LayerInputs.Kept.allocate(acc, p.arrayType, t * h, layers + 1));
            run(hostBatch.ids());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        return owned.add(resource);
    }

    /** The LM head's chunk: smaller in the memory mode (offload), where a 256 MiB chunk is a tenth of a QLoRA step. */
    private long lossChunkBytes() {
        return checkpointing == GradientCheckpointing.OFFLOAD ? LmHeadLoss.MEMORY_MODE_CHUNK_BYTES
                : LmHeadLoss.CHUNK_BYTES;
    }

    /** Whether the backward recomputes each layer from its input (one set of activations, shared). */
    private boolean recomputes() {
        return checkpointing != GradientCheckpointing.NONE;
    }

    /** Layer l's activations: its own without checkpointing, else the one shared set. */
    private LayerActivations activations(int l) {
        boolean shared = recomputes() || !training;
        if (shared ? activations.isEmpty() : activations.size() == l) {
            activations.add(new LayerActivations(decoder.accelerator(), config, decoder.precision(), batch.tokens()));
        }
        return activations.get(shared ? 0 : l);
    }

    /** The randomness (dropout) of layer l in this pass: the same in the forward and in its recompute. */
    private long layerSeed(int l) {
        return seed * 1_000_003L + l;
    }

    private void run(int[] hostIds) {
        DecoderWeights w = decoder.weights;
        Compute c = decoder.compute;
        int t = batch.tokens();
        w.embed(c, batch.ids(), hostIds, hidden.forWriting(0), t);
        float embeddingScale = GemmaNumerics.embeddingScale(config, decoder.precision());
        if (embeddingScale != 1f) {
            c.kernels().scale(hidden.forWriting(0), embeddingScale, (long) t * config.hiddenSize());
        }
        hidden.written(0);
        for (int l = 0; l < decoder.layers.size(); l++) {
            DecoderLayer layer = decoder.layers.get(l);
            LayerActivations a = activations(l);
            if (training) {
                a.keepForBackward(layer.weights(), c, t, layerSeed(l));
            }
            DeviceArray x = hidden.forForward(l);
            layer.forward(x, hidden.forWriting(l + 1), a, batch, scratch);
            hidden.written(l + 1);
            if (training && recomputes()) {
                a.releaseSaved();
            }
        }
        new Norms(config, c.kernels()).forward(hidden.last(), w.finalNorm, finalNormed, finalInverseRms, t,
                config.hiddenSize());
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
            float[] host = HostCopies.floats(logits);
            GemmaNumerics.softCap(host, GemmaNumerics.finalSoftCap(config), decoder.precision());
            return host;
        }
    }

    /**
     * The mean cross-entropy over the labelled tokens, as transformers' causal-LM loss (labels shifted by the
     * {@link Batch}, f32 maths), computed a chunk of tokens at a time ({@link LmHeadLoss}).
     */
    public double loss() {
        int labelled = requireLabels();
        LmHeadLoss.run(decoder, finalNormed, batch.labels(), losses, batch.tokens(), CrossEntropy.meanScale(labelled),
                null, null, lossChunkBytes());
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
             DeviceArray gradient = acc.allocate(decoder.precision().arrayType, (long) t * h); // dy, then dx
             DeviceArray recomputed = recomputes() ? acc.allocate(decoder.precision().arrayType, (long) t * h)
                     : null) { // (T, H) a recomputed layer's output, unused
            LmHeadLoss.run(decoder, finalNormed, batch.labels(), losses, t, scale, scratch, sink, // scratch: dNormed
                    lossChunkBytes());
            new Norms(config, ops).backward(hidden.last(), w.finalNorm, scratch, finalInverseRms, gradient, sink,
                    "model.norm.weight", scratchBuffers.partials, t, h);
            for (int l = decoder.layers.size() - 1; l >= 0; l--) {
                layerBackward(l, gradient, recomputed, sink, scratchBuffers);
            }
            GradientSink.Slot dEmbedding = sink.slot("model.embed_tokens.weight", (long) config.vocabSize() * h);
            if (dEmbedding != null) {
                float embeddingScale = GemmaNumerics.embeddingScale(config, decoder.precision());
                if (embeddingScale != 1f) { // Gemma's embeddings * sqrt(hidden): dx is no longer needed
                    ops.scale(gradient, embeddingScale, (long) t * h);
                }
                embeddingBackward(gradient, dEmbedding);
            }
            acc.synchronize();
        }
    }

    /**
     * Layer l's backward from dy in {@code gradient}; with checkpointing, first its forward again from its
     * input, with the forward's dropout seeds, into the shared activations ({@code scratch} is free by now).
     */
    private void layerBackward(int l, DeviceArray gradient, DeviceArray recomputed, GradientSink sink,
                               BackwardScratch scratchBuffers) {
        DecoderLayer layer = decoder.layers.get(l);
        DeviceArray x = hidden.forBackward(l);
        LayerActivations a = activations(l);
        if (recomputes()) {
            a.keepForBackward(layer.weights(), decoder.compute, batch.tokens(), layerSeed(l));
            layer.forward(x, recomputed, a, batch, scratch);
        }
        layer.backward(x, gradient, a, sink, batch, scratchBuffers);
        if (recomputes()) {
            a.releaseSaved();
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
        activations.forEach(LayerActivations::close);
        activations.clear();
        owned.close();
    }
}
