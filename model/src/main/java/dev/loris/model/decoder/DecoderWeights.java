package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Every weight of a decoder on one accelerator: the embedding (vocab, hidden), the layers, the final norm and
 * the LM head (vocab, hidden), which is the embedding itself when the checkpoint ties them. Owns the device
 * arrays: {@link #close()} releases them.
 */
public final class DecoderWeights implements AutoCloseable {
    public final ModelConfig config;
    public final Precision precision;
    public final Accelerator accelerator;
    public final DeviceArray embedding;
    public final List<LayerWeights> layers;
    public final DeviceArray finalNorm;
    public final Linear lmHead;
    private final List<DeviceArray> owned;

    DecoderWeights(ModelConfig config, Precision precision, Accelerator accelerator, DeviceArray embedding,
                   List<LayerWeights> layers, DeviceArray finalNorm, Linear lmHead, List<DeviceArray> owned) {
        this.config = config;
        this.precision = precision;
        this.accelerator = accelerator;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.owned = new ArrayList<>(owned);
    }

    /** Whether the LM head is the embedding (tie_word_embeddings). */
    public boolean tied() {
        return lmHead.weight == embedding;
    }

    /** Bytes of weights on the device. */
    public long bytes() {
        return owned.stream().mapToLong(DeviceArray::byteSize).sum();
    }

    @Override
    public void close() {
        for (DeviceArray array : owned) {
            array.close();
        }
        owned.clear();
    }
}
