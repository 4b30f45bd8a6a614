package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The buffers a layer's backward works in, shared by all layers (they run one after another), for T tokens.
 * Activation gradients in the model's precision, reduction scratch in f32.
 */
final class BackwardScratch implements AutoCloseable {
    final DeviceArray dIntermediate;    // (T, I)  d(silu(gate) * up)
    final DeviceArray dGate;            // (T, I)
    final DeviceArray dUp;              // (T, I)
    final DeviceArray dNormed;          // (T, H)  gradient of a norm's output
    final DeviceArray dResidualBranch;  // (T, H)  gradient through a norm to its input
    final DeviceArray dMiddle;          // (T, H)  gradient of m = x + attention branch
    final DeviceArray dAttention;       // (T, heads*hd)
    final DeviceArray dQ;               // (T, heads*hd)
    final DeviceArray dK;               // (T, kvHeads*hd)
    final DeviceArray dV;               // (T, kvHeads*hd)
    final DeviceArray dQProjected;      // (T, heads*hd)   Qwen3 only, else null
    final DeviceArray dKProjected;      // (T, kvHeads*hd) Qwen3 only, else null
    final DeviceArray dFused;           // (T, max(heads*hd + 2*kvHeads*hd, 2*I))  Phi-3 only: d(qkv) or d(gate_up)
    final DeviceArray delta;            // (T, heads) f32  rowsum(dOut * out) of attention
    final DeviceArray partials;         // (blocks, max(H, hd)) f32 RMSNorm weight-gradient partial sums
    private final List<DeviceArray> all = new ArrayList<>();

    BackwardScratch(Accelerator acc, ModelConfig config, Precision precision, int tokens) {
        Class<? extends TornadoNativeArray> type = precision.arrayType;
        long t = tokens;
        long hidden = config.hiddenSize();
        long qWidth = (long) config.numAttentionHeads() * config.headDim();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        long intermediate = config.intermediateSize();
        try { // out of memory part way: nothing left allocated
            dIntermediate = add(acc.allocate(type, t * intermediate));
            dGate = add(acc.allocate(type, t * intermediate));
            dUp = add(acc.allocate(type, t * intermediate));
            dNormed = add(acc.allocate(type, t * hidden));
            dResidualBranch = add(acc.allocate(type, t * hidden));
            dMiddle = add(acc.allocate(type, t * hidden));
            dAttention = add(acc.allocate(type, t * qWidth));
            dQ = add(acc.allocate(type, t * qWidth));
            dK = add(acc.allocate(type, t * kvWidth));
            dV = add(acc.allocate(type, t * kvWidth));
            boolean qkNorm = config.hasQkNorm();
            dQProjected = qkNorm ? add(acc.allocate(type, t * qWidth)) : null;
            dKProjected = qkNorm ? add(acc.allocate(type, t * kvWidth)) : null;
            dFused = config.hasFusedProjections() ? add(acc.allocate(type, t * LayerActivations.fusedWidth(config)))
                    : null;
            delta = add(acc.allocate(FloatArray.class, t * config.numAttentionHeads()));
            int rows = Math.max(tokens, tokens * config.numAttentionHeads());
            partials = add(acc.allocate(FloatArray.class,
                    (long) KernelLaunchers.rmsNormPartialBlocks(rows) * Math.max(hidden, config.headDim())));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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
