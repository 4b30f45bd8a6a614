package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * f32 gradients of one layer's weights, shaped like the weights (see {@link LayerWeights}); biases and the
 * Qwen3 q/k norms only where the layer has them (else null). {@link #byName} names them as the checkpoint
 * names the weights, so tests can compare them with transformers' parameter gradients.
 */
final class LayerGradients {
    final DeviceArray inputNorm;
    final DeviceArray q;
    final DeviceArray k;
    final DeviceArray v;
    final DeviceArray o;
    final DeviceArray qBias;
    final DeviceArray kBias;
    final DeviceArray vBias;
    final DeviceArray oBias;
    final DeviceArray qNorm;
    final DeviceArray kNorm;
    final DeviceArray postAttentionNorm;
    final DeviceArray gate;
    final DeviceArray up;
    final DeviceArray down;
    private final Map<String, DeviceArray> byName = new LinkedHashMap<>();

    LayerGradients(Accelerator acc, ModelConfig config, LayerWeights weights, String prefix) {
        long hidden = config.hiddenSize();
        long qWidth = (long) config.numAttentionHeads() * config.headDim();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        long intermediate = config.intermediateSize();
        inputNorm = add(acc, prefix + "input_layernorm.weight", hidden);
        q = add(acc, prefix + "self_attn.q_proj.weight", qWidth * hidden);
        k = add(acc, prefix + "self_attn.k_proj.weight", kvWidth * hidden);
        v = add(acc, prefix + "self_attn.v_proj.weight", kvWidth * hidden);
        o = add(acc, prefix + "self_attn.o_proj.weight", hidden * qWidth);
        qBias = weights.q().bias == null ? null : add(acc, prefix + "self_attn.q_proj.bias", qWidth);
        kBias = weights.k().bias == null ? null : add(acc, prefix + "self_attn.k_proj.bias", kvWidth);
        vBias = weights.v().bias == null ? null : add(acc, prefix + "self_attn.v_proj.bias", kvWidth);
        oBias = weights.o().bias == null ? null : add(acc, prefix + "self_attn.o_proj.bias", hidden);
        qNorm = weights.qNorm() == null ? null : add(acc, prefix + "self_attn.q_norm.weight", config.headDim());
        kNorm = weights.kNorm() == null ? null : add(acc, prefix + "self_attn.k_norm.weight", config.headDim());
        postAttentionNorm = add(acc, prefix + "post_attention_layernorm.weight", hidden);
        gate = add(acc, prefix + "mlp.gate_proj.weight", intermediate * hidden);
        up = add(acc, prefix + "mlp.up_proj.weight", intermediate * hidden);
        down = add(acc, prefix + "mlp.down_proj.weight", hidden * intermediate);
    }

    private DeviceArray add(Accelerator acc, String name, long length) {
        DeviceArray array = acc.allocate(FloatArray.class, length);
        byName.put(name, array);
        return array;
    }

    Map<String, DeviceArray> byName() {
        return byName;
    }
}
