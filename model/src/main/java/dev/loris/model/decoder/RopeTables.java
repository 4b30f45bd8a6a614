package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.kernels.Rope;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * The RoPE cos/sin tables (positions, headDim / 2) f32 on the device for positions 0 .. positions - 1: the model's,
 * and for Gemma 3 a second pair with its sliding layers' own base ({@link ModelConfig#localRopeInverseFrequencies});
 * every other model rotates all layers with the first.
 */
final class RopeTables implements AutoCloseable {
    private final DeviceArray cos;      // (positions, headDim / 2) f32
    private final DeviceArray sin;      // (positions, headDim / 2) f32
    private final DeviceArray localCos; // (positions, headDim / 2) f32, or null: the same as cos
    private final DeviceArray localSin; // (positions, headDim / 2) f32, or null

    RopeTables(Accelerator acc, ModelConfig config, int positions) {
        Rope.Table table = Rope.table(config.ropeInverseFrequencies(), positions);
        float[] local = config.localRopeInverseFrequencies();
        Rope.Table localTable = local == null ? null : Rope.table(local, positions);
        DeviceArray c = null;
        DeviceArray s = null;
        DeviceArray lc = null;
        try {
            c = acc.upload(table.cos());
            s = acc.upload(table.sin());
            lc = localTable == null ? null : acc.upload(localTable.cos());
            this.localSin = localTable == null ? null : acc.upload(localTable.sin());
        } catch (RuntimeException e) {
            for (DeviceArray array : new DeviceArray[] {c, s, lc}) {
                if (array != null) {
                    array.close();
                }
            }
            throw e;
        }
        this.cos = c;
        this.sin = s;
        this.localCos = lc;
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
        for (DeviceArray array : new DeviceArray[] {cos, sin, localCos, localSin}) {
            if (array != null) {
                array.close();
            }
        }
    }
}
