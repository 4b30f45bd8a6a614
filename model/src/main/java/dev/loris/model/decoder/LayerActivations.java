package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * What one layer's forward keeps for its backward (and what each projection saves: {@link #keepForBackward}),
 * for a batch of T tokens (H hidden, I intermediate, heads and kvHeads of headDim). Without checkpointing a
 * pass holds one of these per layer; with it, one shared by all layers, refilled by the backward's recompute
 * of each layer ({@link #releaseSaved} between layers).
 */
final class LayerActivations implements AutoCloseable {
    final DeviceArray normed1;      // (T, H)            input_layernorm(x)
    final DeviceArray inverseRms1;  // (T) f32
    final DeviceArray q;            // (T, heads*hd)     after q_norm (Qwen3) and RoPE
    final DeviceArray k;            // (T, kvHeads*hd)   after k_norm (Qwen3) and RoPE
    final DeviceArray v;            // (T, kvHeads*hd)
    final DeviceArray qProjected;   // (T, heads*hd)     Qwen3: q_proj output before q_norm; else null
    final DeviceArray kProjected;   // (T, kvHeads*hd)   Qwen3: k_proj output before k_norm; else null
    final DeviceArray qInverseRms;  // (T*heads) f32     Qwen3 only
    final DeviceArray kInverseRms;  // (T*kvHeads) f32   Qwen3 only
    final DeviceArray attention;    // (T, heads*hd)     attention output, o_proj input
    final DeviceArray logSumExp;    // (T, heads) f32
    final DeviceArray middle;       // (T, H)            x + o_proj(attention) (Gemma: x + post norm of it)
    final DeviceArray normed2;      // (T, H)            post_attention_layernorm(middle) (Gemma: pre_feedforward)
    final DeviceArray inverseRms2;  // (T) f32
    final DeviceArray gate;         // (T, I)
    final DeviceArray up;           // (T, I)
    final DeviceArray activated;    // (T, I)            silu(gate) * up (Gemma: gelu_tanh), down_proj input
    // Gemma only (else null): the outputs of o_proj and down_proj before their post norms, and those norms' statistic.
    final DeviceArray attentionOutput;      // (T, H)    o_proj(attention)
    final DeviceArray postAttentionInverseRms; // (T) f32
    final DeviceArray mlpOutput;            // (T, H)    down_proj(activated)
    final DeviceArray postMlpInverseRms;    // (T) f32
    // Phi-3 only (else null): the output of the fused qkv_proj or gate_up_proj before it is split into q, k, v or
    // gate, up; a scratch, never read by the backward.
    final DeviceArray fusedOutput;          // (T, max(heads*hd + 2*kvHeads*hd, 2*I))
    // What each projection keeps for its backward (LoRA: x·Aᵀ; null for a frozen dense one, and in inference).
    Projection.Saved savedQ;
    Projection.Saved savedK;
    Projection.Saved savedV;
    Projection.Saved savedO;
    Projection.Saved savedGate;
    Projection.Saved savedUp;
    Projection.Saved savedDown;
    private final List<AutoCloseable> all = new ArrayList<>();
    private final List<Projection.Saved> saved = new ArrayList<>();

    LayerActivations(Accelerator acc, ModelConfig config, Precision precision, int tokens) {
        Class<? extends TornadoNativeArray> type = precision.arrayType;
        long t = tokens;
        long hidden = config.hiddenSize();
        long qWidth = (long) config.numAttentionHeads() * config.headDim();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        long intermediate = config.intermediateSize();
        boolean qkNorm = config.hasQkNorm();
        try { // out of memory part way: nothing left allocated
            normed1 = add(acc.allocate(type, t * hidden));
            inverseRms1 = add(acc.allocate(FloatArray.class, t));
            q = add(acc.allocate(type, t * qWidth));
            k = add(acc.allocate(type, t * kvWidth));
            v = add(acc.allocate(type, t * kvWidth));
            qProjected = qkNorm ? add(acc.allocate(type, t * qWidth)) : null;
            kProjected = qkNorm ? add(acc.allocate(type, t * kvWidth)) : null;
            qInverseRms = qkNorm ? add(acc.allocate(FloatArray.class, t * config.numAttentionHeads())) : null;
            kInverseRms = qkNorm ? add(acc.allocate(FloatArray.class, t * config.numKeyValueHeads())) : null;
            attention = add(acc.allocate(type, t * qWidth));
            logSumExp = add(acc.allocate(FloatArray.class, t * config.numAttentionHeads()));
            middle = add(acc.allocate(type, t * hidden));
            normed2 = add(acc.allocate(type, t * hidden));
            inverseRms2 = add(acc.allocate(FloatArray.class, t));
            gate = add(acc.allocate(type, t * intermediate));
            up = add(acc.allocate(type, t * intermediate));
            activated = add(acc.allocate(type, t * intermediate));
            boolean gemma = config.isGemma();
            attentionOutput = gemma ? add(acc.allocate(type, t * hidden)) : null;
            postAttentionInverseRms = gemma ? add(acc.allocate(FloatArray.class, t)) : null;
            mlpOutput = gemma ? add(acc.allocate(type, t * hidden)) : null;
            postMlpInverseRms = gemma ? add(acc.allocate(FloatArray.class, t)) : null;
            fusedOutput = config.hasFusedProjections() ? add(acc.allocate(type, t * fusedWidth(config))) : null;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Makes this a training pass's activations: each projection gets its saved state, its randomness fixed by
     * {@code seed} and the projection's place in the layer.
     */
    void keepForBackward(LayerWeights w, Compute c, int tokens, long seed) {
        savedQ = save(w.q(), c, tokens, seed, 0);
        savedK = save(w.k(), c, tokens, seed, 1);
        savedV = save(w.v(), c, tokens, seed, 2);
        savedO = save(w.o(), c, tokens, seed, 3);
        savedGate = save(w.gate(), c, tokens, seed, 4);
        savedUp = save(w.up(), c, tokens, seed, 5);
        savedDown = save(w.down(), c, tokens, seed, 6);
    }

    /** The widest fused output: qkv_proj's q, k, v or gate_up_proj's gate, up. */
    static long fusedWidth(ModelConfig config) {
        long qkv = (long) (config.numAttentionHeads() + 2 * config.numKeyValueHeads()) * config.headDim();
        return Math.max(qkv, 2L * config.intermediateSize());
    }

    private Projection.Saved save(Projection projection, Compute c, int tokens, long seed, int index) {
        if (projection == null) { // k, v, up of a fused layer
            return null;
        }
        Projection.Saved state = projection.newSaved(c, tokens, seed * 8 + index);
        if (state != null) {
            saved.add(state);
        }
        return state;
    }

    /** Frees what the projections saved, so the next layer's {@link #keepForBackward} starts afresh. */
    void releaseSaved() {
        saved.forEach(Projection.Saved::close);
        saved.clear();
        savedQ = savedK = savedV = savedO = savedGate = savedUp = savedDown = null;
    }

    private DeviceArray add(DeviceArray array) {
        all.add(array);
        return array;
    }

    @Override
    public void close() {
        releaseSaved();
        for (AutoCloseable resource : all) {
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a layer's activations", e);
            }
        }
        all.clear();
    }
}
