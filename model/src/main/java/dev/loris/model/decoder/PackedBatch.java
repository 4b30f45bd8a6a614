package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.kernels.Embedding;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.Arrays;

/**
 * A {@link Batch} on the device, with the RoPE table its positions need: ids, positions, sequence starts and
 * labels (tokens) as ints, cos and sin (positions, headDim / 2) in f32 computed on the host as transformers
 * computes them (Rope.table over the config's inverse frequencies, Llama 3 scaling included). Ids are
 * checked against the vocabulary here, since a kernel cannot report a bad one.
 */
final class PackedBatch implements AutoCloseable {
    private final Batch batch;
    private final DeviceArray ids;            // (T) int
    private final DeviceArray positions;      // (T) int
    private final DeviceArray sequenceStarts; // (T) int
    private final DeviceArray labels;         // (T) int, Batch.IGNORED where there is no target
    private final RopeTables rope;            // (maxPosition + 1, headDim / 2) f32 tables

    PackedBatch(Accelerator acc, Batch batch, ModelConfig config) {
        this.batch = batch;
        IntArray hostIds = IntArray.fromArray(batch.ids());
        Embedding.checkIds(hostIds, config.vocabSize());
        int maxPosition = Arrays.stream(batch.positions()).max().orElse(0);
        config.checkSequenceLength(maxPosition + 1);
        this.ids = acc.upload(hostIds);
        this.positions = acc.upload(IntArray.fromArray(batch.positions()));
        this.sequenceStarts = acc.upload(IntArray.fromArray(batch.sequenceStarts()));
        this.labels = acc.upload(IntArray.fromArray(batch.labels()));
        this.rope = new RopeTables(acc, config, maxPosition + 1);
    }

    Batch host() {
        return batch;
    }

    int tokens() {
        return batch.tokens();
    }

    DeviceArray ids() {
        return ids;
    }

    DeviceArray positions() {
        return positions;
    }

    DeviceArray sequenceStarts() {
        return sequenceStarts;
    }

    DeviceArray labels() {
        return labels;
    }

    RopeTables rope() {
        return rope;
    }

    @Override
    public void close() {
        for (DeviceArray array : new DeviceArray[] {ids, positions, sequenceStarts, labels}) {
            array.close();
        }
        rope.close();
    }
}
