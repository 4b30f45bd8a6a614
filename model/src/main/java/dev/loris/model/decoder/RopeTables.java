package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.model.config.RopeScaling;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.kernels.Rope;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The RoPE cos/sin tables (positions, rotaryDim / 2) f32 on the device for positions 0 .. positions - 1: the
 * model's, for Gemma 3 a second pair with its sliding layers' own base ({@link ModelConfig#localRopeInverseFrequencies}),
 * and for LongRoPE (Phi-3) the pair made with the long factors, which transformers switches to once the longest
 * sequence of a forward passes the original context. Every table already holds LongRoPE's attention factor.
 *
 * <p>A forward over sequences of at most {@code positions} tokens (a training batch) takes its tables from
 * {@link #RopeTables(Accelerator, ModelConfig, int)}, which picks short or long factors by that length; generation,
 * whose length grows, makes both ({@link #forGeneration}) and asks {@link #forLength} at each call.
 */
final class RopeTables implements AutoCloseable {
    private final DeviceArray cos;      // (positions, rotaryDim / 2) f32
    private final DeviceArray sin;      // (positions, rotaryDim / 2) f32
    private final DeviceArray localCos; // (positions, headDim / 2) f32, or null: the same as cos
    private final DeviceArray localSin; // (positions, headDim / 2) f32, or null
    private final RopeTables longTables; // LongRoPE's long-factor tables for generation, or null
    private final int longAfter;        // lengths above this use longTables
    private final List<DeviceArray> owned;

    /** The tables for forwards whose longest sequence has {@code positions} tokens. */
    RopeTables(Accelerator acc, ModelConfig config, int positions) {
        this(acc, config, positions, positions);
    }

    /** The tables for sequences of {@code length} tokens, covering positions 0 .. positions - 1. */
    private RopeTables(Accelerator acc, ModelConfig config, int positions, int length) {
        float scaling = config.ropeAttentionScaling();
        Rope.Table table = Rope.table(config.ropeInverseFrequencies(length), positions, scaling);
        float[] local = config.localRopeInverseFrequencies();
        Rope.Table localTable = local == null ? null : Rope.table(local, positions);
        this.owned = new ArrayList<>();
        try {
            this.cos = upload(acc, table.cos());
            this.sin = upload(acc, table.sin());
            this.localCos = localTable == null ? null : upload(acc, localTable.cos());
            this.localSin = localTable == null ? null : upload(acc, localTable.sin());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.longTables = null;
        this.longAfter = Integer.MAX_VALUE;
    }

    private RopeTables(RopeTables shortTables, RopeTables longTables, int longAfter) {
        this.cos = shortTables.cos;
        this.sin = shortTables.sin;
        this.localCos = shortTables.localCos;
        this.localSin = shortTables.localSin;
        this.longTables = longTables;
        this.longAfter = longAfter;
        this.owned = new ArrayList<>(shortTables.owned);
        if (longTables != null) {
            owned.addAll(longTables.owned);
        }
    }

    /** Tables for a generation of up to {@code capacity} tokens: LongRoPE's short and long ones when it can cross. */
    static RopeTables forGeneration(Accelerator acc, ModelConfig config, int capacity) {
        RopeTables shortTables = new RopeTables(acc, config, capacity, 1); // a length of 1: the short factors
        if (!(config.ropeScaling() instanceof RopeScaling.LongRope longRope) || !longRope.usesLongFactors(capacity)) {
            return shortTables;
        }
        RopeTables longTables;
        try {
            longTables = new RopeTables(acc, config, capacity, capacity);
        } catch (RuntimeException e) {
            shortTables.close();
            throw e;
        }
        return new RopeTables(shortTables, longTables, longRope.originalMaxPositionEmbeddings());
    }

    /** The tables a forward whose longest sequence has {@code length} tokens uses (not to be closed). */
    RopeTables forLength(int length) {
        return longTables != null && length > longAfter ? longTables : this;
    }

    private DeviceArray upload(Accelerator acc, FloatArray values) {
        DeviceArray array = acc.upload(values);
        owned.add(array);
        return array;
    }

    /** cos for a layer: the sliding layers' own table when there is one. */
    DeviceArray cos(boolean sliding) {
        return sliding && localCos != null ? localCos : cos;
    }

    DeviceArray sin(boolean sliding) {
        return sliding && localSin != null ? localSin : sin;
    }

    @Override
    public void close() {
        owned.forEach(DeviceArray::close);
        owned.clear();
    }
}
