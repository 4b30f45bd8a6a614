package dev.loris.lora;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * Working buffers the LoRA projections of one adapter share (they run one after another on one stream), sized
 * for the largest pass seen so far and regrown when a longer one comes. In the model's precision.
 */
final class LoraScratch implements AutoCloseable {
    final int tokens;
    final DeviceArray xa;       // (T, r)        x · Aᵀ in inference, when nothing is saved
    final DeviceArray dyB;      // (T, r)        dy · B
    final DeviceArray dropped;  // (T, maxIn)    dropout(x), or the adapter's input gradient; null without dropout

    LoraScratch(Accelerator acc, Class<? extends TornadoNativeArray> type, int tokens, int rank, int maxIn,
                boolean dropout) {
        this.tokens = tokens;
        this.xa = acc.allocate(type, (long) tokens * rank);
        this.dyB = acc.allocate(type, (long) tokens * rank);
        this.dropped = dropout ? acc.allocate(type, (long) tokens * maxIn) : null;
    }

    @Override
    public void close() {
        xa.close();
        dyB.close();
        if (dropped != null) {
            dropped.close();
        }
    }
}
