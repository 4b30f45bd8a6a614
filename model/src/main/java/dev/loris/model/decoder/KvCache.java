package dev.loris.model.decoder;

import dev.loris.LorisException;
import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Keys and values of every layer for a fixed set of sequences being generated, on the device: per layer K and
 * V of (seqs, capacity, kvHeads * headDim), rotated keys as attention reads them. Sequence s holds
 * {@code length(s)} valid rows; a step appends one row per sequence. Capacity is fixed when the cache is
 * made (prompt plus new tokens): going past it is an error, never a silent overwrite.
 */
final class KvCache implements AutoCloseable {
    final int seqs;
    final int capacity;
    final int width;                 // kvHeads * headDim
    private final List<DeviceArray> keys = new ArrayList<>();
    private final List<DeviceArray> values = new ArrayList<>();
    private final int[] lengths;
    private final DeviceArray deviceLengths; // (seqs) int, after the step's append
    private final Accelerator accelerator;

    KvCache(Accelerator acc, ModelConfig config, Precision precision, int seqs, int capacity) {
        this.accelerator = acc;
        this.seqs = seqs;
        this.capacity = capacity;
        this.width = config.numKeyValueHeads() * config.headDim();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            keys.add(acc.allocate(precision.arrayType, (long) seqs * capacity * width));
            values.add(acc.allocate(precision.arrayType, (long) seqs * capacity * width));
        }
        this.lengths = new int[seqs];
        this.deviceLengths = acc.allocate(IntArray.class, seqs);
    }

    DeviceArray keys(int layer) {
        return keys.get(layer);
    }

    DeviceArray values(int layer) {
        return values.get(layer);
    }

    /** Empties every sequence (the next append starts at row 0), as a new prefill needs. */
    void clear() {
        java.util.Arrays.fill(lengths, 0);
    }

    int length(int seq) {
        return lengths[seq];
    }

    DeviceArray deviceLengths() {
        return deviceLengths;
    }

    /**
     * The cache rows (seq * capacity + position) that {@code count[s]} new tokens of each sequence go to, in
     * packed order, and the lengths advanced past them (host and device).
     */
    IntArray append(int[] count) {
        int total = 0;
        for (int c : count) {
            total += c;
        }
        IntArray rows = new IntArray(total);
        int at = 0;
        for (int s = 0; s < seqs; s++) {
            if (lengths[s] + count[s] > capacity) {
                throw new LorisException("sequence " + s + " would need " + (lengths[s] + count[s])
                        + " cached positions but the cache holds " + capacity, "ask for fewer new tokens");
            }
            for (int i = 0; i < count[s]; i++) {
                rows.set(at++, s * capacity + lengths[s] + i);
            }
            lengths[s] += count[s];
        }
        deviceLengths.copyFrom(IntArray.fromArray(lengths));
        return rows;
    }

    @Override
    public void close() {
        keys.forEach(DeviceArray::close);
        values.forEach(DeviceArray::close);
        deviceLengths.close();
    }
}
