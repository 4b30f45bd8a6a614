package dev.loris.model.decoder;

import dev.loris.tornado.runtime.DeviceArray;

/**
 * One linear module of the decoder (q, k, v, o, gate, up, down, the LM head): y (tokens, out) = f(x (tokens,
 * in)). The decoder calls only this interface, so what stands behind it is the caller's choice: a frozen or
 * trained dense weight ({@link DenseProjection}), a LoRA adapter around another projection (the lora module),
 * a quantised weight (the quant module).
 *
 * <p>Backward is one call: the input gradient (when asked for) and the gradients of whatever the projection
 * trains, which it adds to the slots a {@link GradientSink} gives it. A frozen weight asks the sink for nothing
 * and so costs no gradient memory.
 *
 * <p>A projection owns its device memory (closed with the decoder's weights), except where it says otherwise.
 * All work goes to {@code c.kernels().stream()}, in order.
 */
public interface Projection extends AutoCloseable {
    /** The module's checkpoint name, e.g. {@code model.layers.3.self_attn.q_proj}. */
    String name();

    int inFeatures();

    int outFeatures();

    /**
     * What this projection keeps from a training forward for its backward, for passes of up to {@code tokens}
     * tokens, or null when backward needs nothing beyond x; {@code seed} fixes its randomness (dropout).
     * The caller closes it with the pass.
     */
    default Saved newSaved(Compute c, int tokens, long seed) {
        return null;
    }

    /**
     * y (tokens, out) = the projection of x (tokens, in). {@code saved} is null in inference (no dropout,
     * nothing kept), else what {@link #newSaved} gave, filled here for {@link #backward}.
     */
    void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved);

    /**
     * From dy (tokens, out): dx (tokens, in) when dx is not null (added to what dx holds when
     * {@code accumulateDx}), and the gradients of what this projection trains, added to the sink's slots.
     * x is the input the forward saw; saved what it kept.
     */
    void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx, boolean accumulateDx,
                  Saved saved, GradientSink sink);

    /** Bytes of device memory this projection owns (weights, adapters, quantisation state). */
    long bytes();

    /** Releases the device memory this projection owns. */
    @Override
    void close();

    /** A projection's state between a forward and its backward. */
    interface Saved extends AutoCloseable {
        @Override
        void close();
    }
}
