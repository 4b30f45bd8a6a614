package dev.loris.model.decoder;

import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * Where a pass keeps the hidden states between layers, each (tokens, hidden) in the model's precision:
 * hidden[0] is the embedding's output, hidden[l + 1] layer l's output, hidden[L] the final norm's input. The
 * forward writes them in order (l = 0..L); the backward asks for layer inputs from hidden[L - 1] down to
 * hidden[0], each once. {@link Kept} holds all on the device; {@link OffloadedLayerInputs} sends them to
 * pinned host memory and back.
 */
interface LayerInputs extends AutoCloseable {
    /** The buffer the forward writes hidden[l] into; call just before queueing that work. */
    DeviceArray forWriting(int l);

    /** hidden[l] has been queued in full on the compute stream. */
    void written(int l);

    /** hidden[l] as the forward reads it (layer l's input), after {@link #written}(l). */
    DeviceArray forForward(int l);

    /** hidden[L], the last layer's output. */
    DeviceArray last();

    /** hidden[l] on the device for layer l's backward; call just before queueing that layer's work. */
    DeviceArray forBackward(int l);

    @Override
    void close();

    /** All L + 1 on the device (checkpointing none and standard). */
    final class Kept implements LayerInputs {
        private final DeviceArray[] hidden;

        private Kept(DeviceArray[] hidden) {
            this.hidden = hidden;
        }

        /** {@code count} arrays of {@code elements}; none left allocated if one does not fit. */
        static Kept allocate(Accelerator acc, Class<? extends TornadoNativeArray> type, long elements, int count) {
            DeviceArray[] hidden = new DeviceArray[count];
            try {
                for (int l = 0; l < count; l++) {
                    hidden[l] = acc.allocate(type, elements);
                }
            } catch (RuntimeException e) {
                new Kept(hidden).close();
                throw e;
            }
            return new Kept(hidden);
        }

        @Override
        public DeviceArray forWriting(int l) {
            return hidden[l];
        }

        @Override
        public void written(int l) {
        }

        @Override
        public DeviceArray forForward(int l) {
            return hidden[l];
        }

        @Override
        public DeviceArray last() {
            return hidden[hidden.length - 1];
        }

        @Override
        public DeviceArray forBackward(int l) {
            return hidden[l];
        }

        @Override
        public void close() {
            for (DeviceArray array : hidden) {
                if (array != null) {
                    array.close();
                }
            }
        }
    }
}
