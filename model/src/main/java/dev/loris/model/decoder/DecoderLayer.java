package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.kernels.AttentionShape;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * One Llama-family decoder layer, forward and backward, as transformers computes it:
 *
 * <pre>
 *   h1 = input_layernorm(x)
 *   q, k, v = h1 Wqᵀ (+bq), h1 Wkᵀ (+bk), h1 Wvᵀ (+bv)      Qwen2: biases; Qwen3: q_norm, k_norm per head
 *   q, k = rope(q, k, positions)
 *   a = causal GQA attention(q, k, v) within each packed sequence
 *   m = x + a Woᵀ
 *   h2 = post_attention_layernorm(m)
 *   y = m + (silu(h2 Wgᵀ) * h2 Wuᵀ) Wdᵀ
 * </pre>
 *
 * Backward walks the same steps in reverse from dy, adding the gradients of what trains (f32) to a
 * {@link GradientSink} and writing dx into the buffer that held dy. Activations come from
 * {@link LayerActivations}; scratch from {@link BackwardScratch}. All launches go to one stream, in order.
 */
final class DecoderLayer {
    private final ModelConfig config;
    private final LayerWeights w;
    private final Compute c;
    private final KernelLaunchers ops;

    DecoderLayer(ModelConfig config, LayerWeights weights, Compute compute) {
        this.config = config;
        this.w = weights;
        this.c = compute;
        this.ops = compute.kernels();
    }

    LayerWeights weights() {
        return w;
    }

    /** y (T, H) from x (T, H); fills {@code a} for the backward. {@code scratch} (T, H) is overwritten. */
    void forward(DeviceArray x, DeviceArray y, LayerActivations a, PackedBatch batch, DeviceArray scratch) {
        attentionInputs(x, a, batch.tokens(), batch.positions(), batch.cos(), batch.sin());
        ops.attention(shape(batch.tokens()), a.q, a.k, a.v, batch.sequenceStarts(), a.attention, a.logSumExp);
        afterAttention(x, y, a, batch.tokens(), scratch);
    }

    /** The first half, up to attention's inputs: a.normed1, then a.q, a.k (normed for Qwen3, rotated) and a.v. */
    void attentionInputs(DeviceArray x, LayerActivations a, int t, DeviceArray positions, DeviceArray cos,
                         DeviceArray sin) {
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        float eps = (float) config.rmsNormEps();
        ops.rmsNorm(x, w.inputNorm(), a.normed1, a.inverseRms1, t, config.hiddenSize(), eps);
        boolean qkNorm = a.qProjected != null;
        w.q().forward(c, a.normed1, t, qkNorm ? a.qProjected : a.q, a.savedQ);
        w.k().forward(c, a.normed1, t, qkNorm ? a.kProjected : a.k, a.savedK);
        w.v().forward(c, a.normed1, t, a.v, a.savedV);
        if (qkNorm) {
            ops.rmsNorm(a.qProjected, w.qNorm(), a.q, a.qInverseRms, t * heads, headDim, eps);
            ops.rmsNorm(a.kProjected, w.kNorm(), a.k, a.kInverseRms, t * kvHeads, headDim, eps);
        }
        ops.rope(false, a.q, a.k, positions, cos, sin, t, heads, kvHeads, headDim);
    }

    /** The second half, from a.attention: o_proj and the residual, then the MLP block, into y. */
    void afterAttention(DeviceArray x, DeviceArray y, LayerActivations a, int t, DeviceArray scratch) {
        int hidden = config.hiddenSize();
        w.o().forward(c, a.attention, t, scratch, a.savedO);
        ops.add(x, scratch, a.middle, (long) t * hidden);
        ops.rmsNorm(a.middle, w.postAttentionNorm(), a.normed2, a.inverseRms2, t, hidden, (float) config.rmsNormEps());
        w.gate().forward(c, a.normed2, t, a.gate, a.savedGate);
        w.up().forward(c, a.normed2, t, a.up, a.savedUp);
        ops.swiGlu(a.gate, a.up, a.activated, (long) t * config.intermediateSize());
        w.down().forward(c, a.activated, t, scratch, a.savedDown);
        ops.add(a.middle, scratch, y, (long) t * hidden);
    }

    /**
     * From dy (T, H) in {@code gradient}, the gradients of what trains into {@code sink} and dx into
     * {@code gradient}. {@code x} is the layer's input as the forward saw it.
     */
    void backward(DeviceArray x, DeviceArray gradient, LayerActivations a, GradientSink sink, PackedBatch batch,
                  BackwardScratch b) {
        int t = batch.tokens();
        int hidden = config.hiddenSize();
        // MLP: y = m + down(silu(gate) * up)
        w.down().backward(c, gradient, a.activated, t, b.dIntermediate, false, a.savedDown, sink);
        ops.swiGluBackward(a.gate, a.up, b.dIntermediate, b.dGate, b.dUp, (long) t * config.intermediateSize());
        w.gate().backward(c, b.dGate, a.normed2, t, b.dNormed, false, a.savedGate, sink);
        w.up().backward(c, b.dUp, a.normed2, t, b.dNormed, true, a.savedUp, sink);
        rmsNormBackward(a.middle, w.postAttentionNorm(), b.dNormed, a.inverseRms2, b.dResidualBranch, sink,
                w.postAttentionNormName(), b.partials, t, hidden);
        ops.add(gradient, b.dResidualBranch, b.dMiddle, (long) t * hidden);
        // attention: m = x + o(attention(rope(q), rope(k), v))
        w.o().backward(c, b.dMiddle, a.attention, t, b.dAttention, false, a.savedO, sink);
        ops.attentionBackward(shape(t), a.q, a.k, a.v, a.attention, b.dAttention, a.logSumExp, b.delta,
                batch.sequenceStarts(), b.dQ, b.dK, b.dV);
        ops.rope(true, b.dQ, b.dK, batch.positions(), batch.cos(), batch.sin(), t, config.numAttentionHeads(),
                config.numKeyValueHeads(), config.headDim());
        DeviceArray dQ = b.dQ;
        DeviceArray dK = b.dK;
        if (a.qProjected != null) {
            int headDim = config.headDim();
            rmsNormBackward(a.qProjected, w.qNorm(), b.dQ, a.qInverseRms, b.dQProjected, sink, w.qNormName(),
                    b.partials, t * config.numAttentionHeads(), headDim);
            rmsNormBackward(a.kProjected, w.kNorm(), b.dK, a.kInverseRms, b.dKProjected, sink, w.kNormName(),
                    b.partials, t * config.numKeyValueHeads(), headDim);
            dQ = b.dQProjected;
            dK = b.dKProjected;
        }
        // dNormed1 = dQ Wq + dK Wk + dV Wv
        w.q().backward(c, dQ, a.normed1, t, b.dNormed, false, a.savedQ, sink);
        w.k().backward(c, dK, a.normed1, t, b.dNormed, true, a.savedK, sink);
        w.v().backward(c, b.dV, a.normed1, t, b.dNormed, true, a.savedV, sink);
        rmsNormBackward(x, w.inputNorm(), b.dNormed, a.inverseRms1, b.dResidualBranch, sink, w.inputNormName(),
                b.partials, t, hidden);
        ops.add(b.dMiddle, b.dResidualBranch, gradient, (long) t * hidden);
    }

    /** RMSNorm backward with the norm weight's gradient added to the sink's slot (none when the norm is frozen). */
    private void rmsNormBackward(DeviceArray x, DeviceArray weight, DeviceArray dOut, DeviceArray inverseRms,
                                 DeviceArray dX, GradientSink sink, String weightName, DeviceArray partials, int rows,
                                 int cols) {
        GradientSink.Slot slot = sink.slot(weightName, cols);
        ops.rmsNormBackward(x, weight, dOut, inverseRms, dX, slot == null ? null : slot.array(),
                slot == null ? 0 : slot.offset(), partials, rows, cols);
    }

    private AttentionShape shape(int tokens) {
        return new AttentionShape(tokens, config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim());
    }
}
