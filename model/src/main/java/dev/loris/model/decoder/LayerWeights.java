package dev.loris.model.decoder;

import dev.loris.tornado.runtime.DeviceArray;

/**
 * One decoder layer's weights on the device, named as in Hugging Face checkpoints
 * ({@code model.layers.N.*}). Norm weights (hidden) and, for Qwen3, the per-head q/k norms (head_dim) are in
 * the model's precision, as are the projections; qNorm and kNorm are null for other architectures.
 */
public record LayerWeights(DeviceArray inputNorm, Linear q, Linear k, Linear v, Linear o, DeviceArray qNorm,
                           DeviceArray kNorm, DeviceArray postAttentionNorm, Linear gate, Linear up, Linear down) {
}
