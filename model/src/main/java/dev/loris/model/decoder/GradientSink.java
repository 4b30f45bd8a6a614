package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * Where a backward puts gradients: asked for a parameter by its checkpoint name (e.g.
 * {@code model.layers.0.mlp.up_proj.weight}, or a LoRA adapter's {@code ...q_proj.lora_A.weight}), a sink
 * answers with an f32 slot the gradient is ADDED to, or null when the parameter is frozen, in which case
 * its gradient is never computed. Adding lets a trainer sum micro-batches over an accumulation window (it
 * zeroes the slots when a window starts) and lets a tied embedding take the LM head's gradient too.
 */
@FunctionalInterface
public interface GradientSink {
    /** Nothing trains: a backward through it computes only what flows to the input. */
    GradientSink NONE = (name, elements) -> null;

    /** The slot for {@code elements} f32 values of the parameter {@code name}, or null when it is frozen. */
    Slot slot(String name, long elements);

    /**
     * {@code elements} f32 values from {@code offset} in {@code array}: a whole array, or a view into one flat
     * buffer that holds many parameters (every kernel that writes a gradient takes the offset).
     */
    record Slot(DeviceArray array, long offset, long elements) {
        public Slot {
            if (array.arrayType() != FloatArray.class || offset < 0 || offset + elements > array.length()) {
                throw new IllegalArgumentException("a gradient slot of " + elements + " f32 values at " + offset
                        + " does not fit " + array);
            }
        }

        /** A slot that is a whole array. */
        public static Slot of(DeviceArray array) {
            return new Slot(array, 0, array.length());
        }
    }
}
