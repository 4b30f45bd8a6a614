package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.kernels.AttentionShape;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

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
 * Backward walks the same steps in reverse from dy, writing the weight gradients (f32) into
 * {@link LayerGradients} and dx into the buffer that held dy. Activations come from {@link LayerActivations};
 * scratch from {@link BackwardScratch}. All launches go to one stream, in order.
 */
final class DecoderLayer {
    private final ModelConfig config;
    private final LayerWeights w;
    private final Ops ops;
    private final Gemm gemm;

    DecoderLayer(ModelConfig config, LayerWeights weights, Ops ops, Gemm gemm) {
        this.config = config;
        this.w = weights;
        this.ops = ops;
        this.gemm = gemm;
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
        DeviceStream s = ops.stream();
        ops.rmsNorm(x, w.inputNorm(), a.normed1, a.inverseRms1, t, config.hiddenSize(), eps);
        boolean qkNorm = a.qProjected != null;
        w.q().forward(gemm, a.normed1, t, qkNorm ? a.qProjected : a.q, s);
        w.k().forward(gemm, a.normed1, t, qkNorm ? a.kProjected : a.k, s);
        w.v().forward(gemm, a.normed1, t, a.v, s);
        if (qkNorm) {
            ops.rmsNorm(a.qProjected, w.qNorm(), a.q, a.qInverseRms, t * heads, headDim, eps);
            ops.rmsNorm(a.kProjected, w.kNorm(), a.k, a.kInverseRms, t * kvHeads, headDim, eps);
        }
        ops.rope(false, a.q, a.k, positions, cos, sin, t, heads, kvHeads, headDim);
    }

    /** The second half, from a.attention: o_proj and the residual, then the MLP block, into y. */
    void afterAttention(DeviceArray x, DeviceArray y, LayerActivations a, int t, DeviceArray scratch) {
        int hidden = config.hiddenSize();
        DeviceStream s = ops.stream();
        w.o().forward(gemm, a.attention, t, scratch, s);
        ops.add(x, scratch, a.middle, (long) t * hidden);
        ops.rmsNorm(a.middle, w.postAttentionNorm(), a.normed2, a.inverseRms2, t, hidden, (float) config.rmsNormEps());
        w.gate().forward(gemm, a.normed2, t, a.gate, s);
        w.up().forward(gemm, a.normed2, t, a.up, s);
        ops.swiGlu(a.gate, a.up, a.activated, (long) t * config.intermediateSize());
        w.down().forward(gemm, a.activated, t, scratch, s);
        ops.add(a.middle, scratch, y, (long) t * hidden);
    }

    /**
     * From dy (T, H) in {@code gradient}, the layer's weight gradients into {@code g} and dx into
     * {@code gradient}. {@code x} is the layer's input as the forward saw it.
     */
    void backward(DeviceArray x, DeviceArray gradient, LayerActivations a, LayerGradients g, PackedBatch batch,
                  BackwardScratch b) {
        int t = batch.tokens();
        int hidden = config.hiddenSize();
        DeviceStream s = ops.stream();
        // MLP: y = m + down(silu(gate) * up)
        w.down().backwardInput(gemm, gradient, t, b.dIntermediate, false, s);
        w.down().backwardWeight(gemm, gradient, a.activated, t, g.down, false, s);
        ops.swiGluBackward(a.gate, a.up, b.dIntermediate, b.dGate, b.dUp, (long) t * config.intermediateSize());
        w.gate().backwardInput(gemm, b.dGate, t, b.dNormed, false, s);
        w.up().backwardInput(gemm, b.dUp, t, b.dNormed, true, s);
        w.gate().backwardWeight(gemm, b.dGate, a.normed2, t, g.gate, false, s);
        w.up().backwardWeight(gemm, b.dUp, a.normed2, t, g.up, false, s);
        ops.rmsNormBackward(a.middle, w.postAttentionNorm(), b.dNormed, a.inverseRms2, b.dResidualBranch,
                g.postAttentionNorm, b.partials, t, hidden);
        ops.add(gradient, b.dResidualBranch, b.dMiddle, (long) t * hidden);
        // attention: m = x + o(attention(rope(q), rope(k), v))
        w.o().backwardInput(gemm, b.dMiddle, t, b.dAttention, false, s);
        w.o().backwardWeight(gemm, b.dMiddle, a.attention, t, g.o, false, s);
        if (g.oBias != null) {
            ops.columnSums(b.dMiddle, g.oBias, t, w.o().out, false);
        }
        ops.attentionBackward(shape(t), a.q, a.k, a.v, a.attention, b.dAttention, a.logSumExp, b.delta,
                batch.sequenceStarts(), b.dQ, b.dK, b.dV);
        ops.rope(true, b.dQ, b.dK, batch.positions(), batch.cos(), batch.sin(), t, config.numAttentionHeads(),
                config.numKeyValueHeads(), config.headDim());
        DeviceArray dQ = b.dQ;
        DeviceArray dK = b.dK;
        if (a.qProjected != null) {
            ops.rmsNormBackward(a.qProjected, w.qNorm(), b.dQ, a.qInverseRms, b.dQProjected, g.qNorm, b.partials,
                    t * config.numAttentionHeads(), config.headDim());
            ops.rmsNormBackward(a.kProjected, w.kNorm(), b.dK, a.kInverseRms, b.dKProjected, g.kNorm, b.partials,
                    t * config.numKeyValueHeads(), config.headDim());
            dQ = b.dQProjected;
            dK = b.dKProjected;
        }
        projectionsBackward(a, g, b, dQ, dK, t, s);
        ops.rmsNormBackward(x, w.inputNorm(), b.dNormed, a.inverseRms1, b.dResidualBranch, g.inputNorm, b.partials,
                t, hidden);
        ops.add(b.dMiddle, b.dResidualBranch, gradient, (long) t * hidden);
    }

    /** dNormed1 = dQ Wq + dK Wk + dV Wv, and the q/k/v weight (and bias) gradients. */
    private void projectionsBackward(LayerActivations a, LayerGradients g, BackwardScratch b, DeviceArray dQ,
                                     DeviceArray dK, int t, DeviceStream s) {
        w.q().backwardInput(gemm, dQ, t, b.dNormed, false, s);
        w.k().backwardInput(gemm, dK, t, b.dNormed, true, s);
        w.v().backwardInput(gemm, b.dV, t, b.dNormed, true, s);
        w.q().backwardWeight(gemm, dQ, a.normed1, t, g.q, false, s);
        w.k().backwardWeight(gemm, dK, a.normed1, t, g.k, false, s);
        w.v().backwardWeight(gemm, b.dV, a.normed1, t, g.v, false, s);
        if (g.qBias != null) {
            ops.columnSums(dQ, g.qBias, t, w.q().out, false);
            ops.columnSums(dK, g.kBias, t, w.k().out, false);
            ops.columnSums(b.dV, g.vBias, t, w.v().out, false);
        }
    }

    private AttentionShape shape(int tokens) {
        return new AttentionShape(tokens, config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim());
    }
}
