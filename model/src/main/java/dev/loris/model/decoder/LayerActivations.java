package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * What one layer's forward keeps for its backward, for a batch of T tokens (H hidden, I intermediate, heads
 * and kvHeads of headDim): everything, nothing recomputed. That is the plain llm.c choice, right for tests and
 * small models; the trainer's checkpointing will keep only the layer inputs and recompute the rest.
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
    final DeviceArray middle;       // (T, H)            x + o_proj(attention)
    final DeviceArray normed2;      // (T, H)            post_attention_layernorm(middle)
    final DeviceArray inverseRms2;  // (T) f32
    final DeviceArray gate;         // (T, I)
    final DeviceArray up;           // (T, I)
    final DeviceArray activated;    // (T, I)            silu(gate) * up, down_proj input
    private final List<DeviceArray> all = new ArrayList<>();

    LayerActivations(Accelerator acc, ModelConfig config, Precision precision, int tokens) {
        Class<? extends TornadoNativeArray> type = precision.arrayType;
        long t = tokens;
        long hidden = config.hiddenSize();
        long qWidth = (long) config.numAttentionHeads() * config.headDim();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        long intermediate = config.intermediateSize();
        boolean qkNorm = config.hasQkNorm();
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
    }

    private DeviceArray add(DeviceArray array) {
        all.add(array);
        return array;
    }

    @Override
    public void close() {
        all.forEach(DeviceArray::close);
        all.clear();
    }
}
