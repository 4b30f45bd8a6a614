package dev.loris.model.decoder;

import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;

/**
 * A linear layer as Hugging Face stores it: {@code y = x · Wᵀ + b} with W (out, in) and an optional bias
 * (out), x (tokens, in) and y (tokens, out), all in the model's {@link Precision}. Forward and backward are
 * GEMMs (f32 accumulation); the weight gradient is kept in f32 whatever the precision. The bias gradient is
 * a column sum of dy: {@link Ops#columnSums}.
 *
 * <p>The layer owns neither its weight nor the activations: the caller passes device arrays and keeps them
 * alive. It owns nothing, so it has nothing to close.
 */
public final class Linear {
    public final int in;
    public final int out;
    public final DeviceArray weight;   // (out, in) precision
    public final DeviceArray bias;     // (out) precision, or null
    private final Precision precision;

    public Linear(int in, int out, DeviceArray weight, DeviceArray bias, Precision precision) {
        this.in = in;
        this.out = out;
        this.weight = weight;
        this.bias = bias;
        this.precision = precision;
    }

    /** y (tokens, out) = x (tokens, in) · Wᵀ (+ b). */
    public void forward(Gemm gemm, DeviceArray x, int tokens, DeviceArray y, DeviceStream stream) {
        GemmType t = precision.gemmType;
        GemmShape shape = GemmShape.of(tokens, out, in, false, true, t, t, t);
        if (bias != null) {
            shape = shape.withBias();
        }
        gemm.multiply(shape, 1f, x, 0, weight, 0, 0f, y, 0, bias, stream);
    }

    /** dx (tokens, in) = dy (tokens, out) · W, added to what dx holds when {@code accumulate}. */
    public void backwardInput(Gemm gemm, DeviceArray dy, int tokens, DeviceArray dx, boolean accumulate,
                              DeviceStream stream) {
        GemmType t = precision.gemmType;
        gemm.multiply(GemmShape.of(tokens, in, out, false, false, t, t, t), 1f, dy, 0, weight, 0,
                accumulate ? 1f : 0f, dx, 0, null, stream);
    }

    /** dW (out, in) f32 = dyᵀ · x, added to what dW holds when {@code accumulate}. */
    public void backwardWeight(Gemm gemm, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dWeight,
                               boolean accumulate, DeviceStream stream) {
        GemmType t = precision.gemmType;
        gemm.multiply(GemmShape.of(out, in, tokens, true, false, t, t, GemmType.F32), 1f, dy, 0, x, 0,
                accumulate ? 1f : 0f, dWeight, 0, null, stream);
    }
}
