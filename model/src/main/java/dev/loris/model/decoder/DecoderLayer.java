package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.kernels.AttentionOptions;
import dev.loris.tornado.kernels.AttentionShape;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * One decoder layer, forward and backward, as transformers computes it. Llama, Mistral, Qwen:
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
 * Gemma 2 / 3 ({@link Norms}: (1 + w) norms): the attention scaled by query_pre_attn_scalar^-0.5, soft-capped
 * (Gemma 2) and windowed on sliding layers, which Gemma 3 rotates with their own RoPE base; q_norm and k_norm on
 * Gemma 3; and norms after the attention and the MLP:
 *
 * <pre>
 *   m = x + post_attention_layernorm(a Woᵀ)
 *   h2 = pre_feedforward_layernorm(m)
 *   y = m + post_feedforward_layernorm((gelu_tanh(h2 Wgᵀ) * h2 Wuᵀ) Wdᵀ)
 * </pre>
 *
 * Phi-3: Llama's steps, with q, k, v the columns of one fused qkv_proj and gate, up those of gate_up_proj (split by
 * copies; their gradients joined the same way for one backward of the fused module), RoPE on the first rotaryDim
 * values of each head, and sliding_window on every layer.
 *
 * <p>Backward walks the same steps in reverse from dy, adding the gradients of what trains (f32) to a
 * {@link GradientSink} and writing dx into the buffer that held dy. Activations come from
 * {@link LayerActivations}; scratch from {@link BackwardScratch}. All launches go to one stream, in order.
 */
final class DecoderLayer {
    private final ModelConfig config;
    private final LayerWeights w;
    private final Compute c;
    private final KernelLaunchers ops;
    private final Norms norms;
    private final boolean gemma;
    private final boolean sliding;          // Gemma's sliding-window layer (its own window and RoPE table)
    private final AttentionOptions options; // scale, window and soft-cap of this layer's attention

    DecoderLayer(ModelConfig config, LayerWeights weights, Compute compute, int index) {
        this.config = config;
        this.w = weights;
        this.c = compute;
        this.ops = compute.kernels();
        this.norms = new Norms(config, ops);
        this.gemma = config.isGemma();
        this.sliding = gemma && config.gemma().isSliding(index);
        this.options = new AttentionOptions(config.attentionScale(), config.attentionWindow(index),
                gemma ? (float) config.gemma().attentionSoftCap() : 0f);
    }

    LayerWeights weights() {
        return w;
    }

    /** This layer's attention scale, window and soft-cap (a decoding step needs them too). */
    AttentionOptions attentionOptions() {
        return options;
    }

    /** y (T, H) from x (T, H); fills {@code a} for the backward. {@code scratch} (T, H) is overwritten. */
    void forward(DeviceArray x, DeviceArray y, LayerActivations a, PackedBatch batch, DeviceArray scratch) {
        attentionInputs(x, a, batch.tokens(), batch.positions(), batch.rope());
        ops.attention(shape(batch.tokens()), options, a.q, a.k, a.v, batch.sequenceStarts(), a.attention, a.logSumExp);
        afterAttention(x, y, a, batch.tokens(), scratch);
    }

    /** The first half, up to attention's inputs: a.normed1, then a.q, a.k (normed for Qwen3, rotated) and a.v. */
    void attentionInputs(DeviceArray x, LayerActivations a, int t, DeviceArray positions, RopeTables rope) {
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int headDim = config.headDim();
        norms.forward(x, w.inputNorm(), a.normed1, a.inverseRms1, t, config.hiddenSize());
        boolean qkNorm = a.qProjected != null;
        if (w.fused()) {
            int qWidth = heads * headDim;
            int kvWidth = kvHeads * headDim;
            int width = qWidth + 2 * kvWidth;
            w.q().forward(c, a.normed1, t, a.fusedOutput, a.savedQ);
            ops.copyColumns(a.fusedOutput, width, 0, a.q, qWidth, 0, qWidth, t);
            ops.copyColumns(a.fusedOutput, width, qWidth, a.k, kvWidth, 0, kvWidth, t);
            ops.copyColumns(a.fusedOutput, width, qWidth + kvWidth, a.v, kvWidth, 0, kvWidth, t);
        } else {
            w.q().forward(c, a.normed1, t, qkNorm ? a.qProjected : a.q, a.savedQ);
            w.k().forward(c, a.normed1, t, qkNorm ? a.kProjected : a.k, a.savedK);
            w.v().forward(c, a.normed1, t, a.v, a.savedV);
        }
        if (qkNorm) {
            norms.forward(a.qProjected, w.qNorm(), a.q, a.qInverseRms, t * heads, headDim);
            norms.forward(a.kProjected, w.kNorm(), a.k, a.kInverseRms, t * kvHeads, headDim);
        }
        ops.rope(false, a.q, a.k, positions, rope.cos(sliding), rope.sin(sliding), t, heads, kvHeads, headDim,
                config.rotaryDim());
    }

    /** The second half, from a.attention: o_proj and the residual, then the MLP block, into y. */
    void afterAttention(DeviceArray x, DeviceArray y, LayerActivations a, int t, DeviceArray scratch) {
        int hidden = config.hiddenSize();
        long n = (long) t * config.intermediateSize();
        if (gemma) {
            w.o().forward(c, a.attention, t, a.attentionOutput, a.savedO);
            norms.forward(a.attentionOutput, w.postAttentionNorm(), scratch, a.postAttentionInverseRms, t, hidden);
            ops.add(x, scratch, a.middle, (long) t * hidden);
            norms.forward(a.middle, w.preFeedforwardNorm(), a.normed2, a.inverseRms2, t, hidden);
        } else {
            w.o().forward(c, a.attention, t, scratch, a.savedO);
            ops.add(x, scratch, a.middle, (long) t * hidden);
            norms.forward(a.middle, w.postAttentionNorm(), a.normed2, a.inverseRms2, t, hidden);
        }
        if (w.fused()) {
            int i = config.intermediateSize();
            w.gate().forward(c, a.normed2, t, a.fusedOutput, a.savedGate);
            ops.copyColumns(a.fusedOutput, 2 * i, 0, a.gate, i, 0, i, t);
            ops.copyColumns(a.fusedOutput, 2 * i, i, a.up, i, 0, i, t);
        } else {
            w.gate().forward(c, a.normed2, t, a.gate, a.savedGate);
            w.up().forward(c, a.normed2, t, a.up, a.savedUp);
        }
        if (gemma) {
            ops.geGlu(a.gate, a.up, a.activated, n);
            w.down().forward(c, a.activated, t, a.mlpOutput, a.savedDown);
            norms.forward(a.mlpOutput, w.postFeedforwardNorm(), scratch, a.postMlpInverseRms, t, hidden);
        } else {
            ops.swiGlu(a.gate, a.up, a.activated, n);
            w.down().forward(c, a.activated, t, scratch, a.savedDown);
        }
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
        long n = (long) t * config.intermediateSize();
        // MLP: y = m + down(act(gate) * up), Gemma: y = m + post_ff_norm(down(...))
        DeviceArray dDown = gradient;
        if (gemma) {
            norms.backward(a.mlpOutput, w.postFeedforwardNorm(), gradient, a.postMlpInverseRms, b.dResidualBranch,
                    sink, w.postFeedforwardNormName(), b.partials, t, hidden);
            dDown = b.dResidualBranch;
        }
        w.down().backward(c, dDown, a.activated, t, b.dIntermediate, false, a.savedDown, sink);
        if (gemma) {
            ops.geGluBackward(a.gate, a.up, b.dIntermediate, b.dGate, b.dUp, n);
        } else {
            ops.swiGluBackward(a.gate, a.up, b.dIntermediate, b.dGate, b.dUp, n);
        }
        if (w.fused()) {
            int i = config.intermediateSize();
            ops.copyColumns(b.dGate, i, 0, b.dFused, 2 * i, 0, i, t);
            ops.copyColumns(b.dUp, i, 0, b.dFused, 2 * i, i, i, t);
            w.gate().backward(c, b.dFused, a.normed2, t, b.dNormed, false, a.savedGate, sink);
        } else {
            w.gate().backward(c, b.dGate, a.normed2, t, b.dNormed, false, a.savedGate, sink);
            w.up().backward(c, b.dUp, a.normed2, t, b.dNormed, true, a.savedUp, sink);
        }
        norms.backward(a.middle, gemma ? w.preFeedforwardNorm() : w.postAttentionNorm(), b.dNormed, a.inverseRms2,
                b.dResidualBranch, sink, gemma ? w.preFeedforwardNormName() : w.postAttentionNormName(), b.partials,
                t, hidden);
        ops.add(gradient, b.dResidualBranch, b.dMiddle, (long) t * hidden);
        // attention: m = x + o(attention(rope(q), rope(k), v)), Gemma: m = x + post_attention_norm(o(...))
        DeviceArray dOutput = b.dMiddle;
        if (gemma) {
            norms.backward(a.attentionOutput, w.postAttentionNorm(), b.dMiddle, a.postAttentionInverseRms, b.dNormed,
                    sink, w.postAttentionNormName(), b.partials, t, hidden);
            dOutput = b.dNormed;
        }
        w.o().backward(c, dOutput, a.attention, t, b.dAttention, false, a.savedO, sink);
        ops.attentionBackward(shape(t), options, a.q, a.k, a.v, a.attention, b.dAttention, a.logSumExp, b.delta,
                batch.sequenceStarts(), b.dQ, b.dK, b.dV);
        ops.rope(true, b.dQ, b.dK, batch.positions(), batch.rope().cos(sliding), batch.rope().sin(sliding), t,
                config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), config.rotaryDim());
        DeviceArray dQ = b.dQ;
        DeviceArray dK = b.dK;
        if (a.qProjected != null) {
            int headDim = config.headDim();
            norms.backward(a.qProjected, w.qNorm(), b.dQ, a.qInverseRms, b.dQProjected, sink, w.qNormName(),
                    b.partials, t * config.numAttentionHeads(), headDim);
            norms.backward(a.kProjected, w.kNorm(), b.dK, a.kInverseRms, b.dKProjected, sink, w.kNormName(),
                    b.partials, t * config.numKeyValueHeads(), headDim);
            dQ = b.dQProjected;
            dK = b.dKProjected;
        }
        // dNormed1 = dQ Wq + dK Wk + dV Wv (Phi-3: d(qkv) Wqkv)
        if (w.fused()) {
            backwardFusedQkv(dQ, dK, b, a, t, sink);
        } else {
            w.q().backward(c, dQ, a.normed1, t, b.dNormed, false, a.savedQ, sink);
            w.k().backward(c, dK, a.normed1, t, b.dNormed, true, a.savedK, sink);
            w.v().backward(c, b.dV, a.normed1, t, b.dNormed, true, a.savedV, sink);
        }
        norms.backward(x, w.inputNorm(), b.dNormed, a.inverseRms1, b.dResidualBranch, sink, w.inputNormName(),
                b.partials, t, hidden);
        ops.add(b.dMiddle, b.dResidualBranch, gradient, (long) t * hidden);
    }

    /** dq, dk, dv side by side as d(qkv) (T, q + 2 kv), then qkv_proj's one backward into b.dNormed. */
    private void backwardFusedQkv(DeviceArray dQ, DeviceArray dK, BackwardScratch b, LayerActivations a, int t,
                                  GradientSink sink) {
        int qWidth = config.numAttentionHeads() * config.headDim();
        int kvWidth = config.numKeyValueHeads() * config.headDim();
        int width = qWidth + 2 * kvWidth;
        ops.copyColumns(dQ, qWidth, 0, b.dFused, width, 0, qWidth, t);
        ops.copyColumns(dK, kvWidth, 0, b.dFused, width, qWidth, kvWidth, t);
        ops.copyColumns(b.dV, kvWidth, 0, b.dFused, width, qWidth + kvWidth, kvWidth, t);
        w.q().backward(c, b.dFused, a.normed1, t, b.dNormed, false, a.savedQ, sink);
    }

    private AttentionShape shape(int tokens) {
        return new AttentionShape(tokens, config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim());
    }
}
