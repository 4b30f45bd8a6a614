package dev.loris.model.decoder;

import dev.loris.model.config.ModelConfig;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * The RMSNorm of the decoder's family, forward and backward: Llama's (w * x_hat, rounded as LlamaRMSNorm) or
 * Gemma's ((1 + w) * x_hat in f32, rounded once), picked by the config so that the layers, the final norm and the
 * q/k norms call one thing. The weight's gradient goes to the sink's slot by its checkpoint name (none: frozen).
 */
final class Norms {
    private final KernelLaunchers ops;
    private final boolean gemma;
    private final float eps;

    Norms(ModelConfig config, KernelLaunchers ops) {
        this.ops = ops;
        this.gemma = config.isGemma();
        this.eps = (float) config.rmsNormEps();
    }

    /** out (rows, cols) = norm(x) with weight (cols); inverseRms (rows) f32 for the backward. */
    void forward(DeviceArray x, DeviceArray weight, DeviceArray out, DeviceArray inverseRms, int rows, int cols) {
        if (gemma) {
            ops.gemmaRmsNorm(x, weight, out, inverseRms, rows, cols, eps);
        } else {
            ops.rmsNorm(x, weight, out, inverseRms, rows, cols, eps);
        }
    }

    /** dX from dOut; the weight's gradient added to {@code sink}'s slot for {@code weightName} when it has one. */
    void backward(DeviceArray x, DeviceArray weight, DeviceArray dOut, DeviceArray inverseRms, DeviceArray dX,
                  GradientSink sink, String weightName, DeviceArray partials, int rows, int cols) {
        GradientSink.Slot slot = sink.slot(weightName, cols);
        DeviceArray dWeight = slot == null ? null : slot.array();
        long offset = slot == null ? 0 : slot.offset();
        if (gemma) {
            ops.gemmaRmsNormBackward(x, weight, dOut, inverseRms, dX, dWeight, offset, partials, rows, cols);
        } else {
            ops.rmsNormBackward(x, weight, dOut, inverseRms, dX, dWeight, offset, partials, rows, cols);
        }
    }
}
