package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Every weight of a decoder on one accelerator: the embedding (vocab, hidden), the layers, the final norm and
 * the LM head, a projection hidden -> vocab over its own weight or, when the checkpoint ties them
 * ({@link #tied}), over the embedding. Owns what it loaded and the projections that replace loaded ones:
 * {@link #close()} releases them all.
 */
public final class DecoderWeights implements AutoCloseable {
    public final ModelConfig config;
    public final Precision precision;
    public final Accelerator accelerator;
    private DeviceArray embedding;             // (vocab, hidden); null once kept on the host
    private HostEmbedding hostEmbedding;       // the same in host memory, or null
    public final DeviceArray finalNorm;        // (hidden)
    /** Whether the LM head multiplies by the embedding (tie_word_embeddings). */
    public final boolean tied;
    private List<LayerWeights> layers;
    private Projection lmHead;
    private final List<AutoCloseable> owned;

    DecoderWeights(ModelConfig config, Precision precision, Accelerator accelerator, DeviceArray embedding,
                   List<LayerWeights> layers, DeviceArray finalNorm, Projection lmHead, boolean tied,
                   List<AutoCloseable> owned) {
        this.config = config;
        this.precision = precision;
        this.accelerator = accelerator;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.tied = tied;
        this.owned = new ArrayList<>(owned);
    }

    public List<LayerWeights> layers() {
        return layers;
    }

    /** The input embedding (vocab, hidden) on the device; refused once it is kept on the host. */
    public DeviceArray embedding() {
        if (embedding == null) {
            throw new LorisException("the input embedding is kept in host memory (gradient checkpointing offload), "
                    + "so it cannot be trained or read on the device", "train embed_tokens with another "
                    + "--gradient-checkpointing mode, or leave it frozen");
        }
        return embedding;
    }

    /** Whether the input embedding lives in host memory ({@link #keepEmbeddingOnHost}). */
    public boolean embeddingOnHost() {
        return hostEmbedding != null;
    }

    /**
     * Moves the input embedding to host memory (see {@link HostEmbedding}) and gives its device memory back;
     * returns whether it moved: not when the LM head multiplies by it (tied) or the device's memory is the host's
     * (the JVM). Only for an embedding no gradient reaches: the caller checks.
     */
    boolean keepEmbeddingOnHost() {
        if (hostEmbedding != null) {
            return true;
        }
        if (tied || accelerator.sharesHostMemory()) {
            return false;
        }
        hostEmbedding = new HostEmbedding(embedding, config.hiddenSize());
        owned.add(hostEmbedding);
        embedding.close();
        embedding = null;
        accelerator.emptyCache(); // the caching allocator would keep the freed gigabyte reserved
        return true;
    }

    /** out (tokens, hidden) = the embedding rows of the pass' ids, on the device or from the host. */
    void embed(Compute compute, DeviceArray deviceIds, int[] hostIds, DeviceArray out, int tokens) {
        if (hostEmbedding != null) {
            hostEmbedding.lookup(hostIds, out, compute.stream());
        } else {
            compute.kernels().embedding(deviceIds, embedding, out, tokens, config.hiddenSize());
        }
    }

    public Projection lmHead() {
        return lmHead;
    }

    /**
     * Replaces layer projections by {@code replace}'s answers (LoRA wraps them); the new ones are owned from
     * here on (a wrapper closes what it wraps). Callers go through {@link Decoder#replaceProjections}.
     */
    void replaceProjections(UnaryOperator<Projection> replace) {
        List<LayerWeights> replaced = new ArrayList<>();
        for (LayerWeights layer : layers) {
            LayerWeights next = layer.withProjections(replace);
            replaced.add(next);
            owned.addAll(next.projections());
        }
        layers = List.copyOf(replaced);
    }

    void replaceLmHead(Projection head) {
        lmHead = head;
        owned.add(head);
    }

    /**
     * Bytes of weights on the device (quantised or adapted projections counted as they are stored; an embedding
     * kept on the host not at all).
     */
    public long bytes() {
        long bytes = (embedding == null ? 0 : embedding.byteSize()) + finalNorm.byteSize() + lmHead.bytes();
        for (LayerWeights layer : layers) {
            bytes += layer.inputNorm().byteSize() + layer.postAttentionNorm().byteSize();
            bytes += layer.qNorm() == null ? 0 : layer.qNorm().byteSize() + layer.kNorm().byteSize();
            bytes += layer.preFeedforwardNorm() == null ? 0
                    : layer.preFeedforwardNorm().byteSize() + layer.postFeedforwardNorm().byteSize();
            for (Projection p : layer.projections()) {
                bytes += p.bytes();
            }
        }
        return bytes;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable resource : owned) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the decoder's weights", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        owned.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
