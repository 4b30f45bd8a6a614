package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.LongArray;

/**
 * SwiGLU backward for {@link SwiGlu}'s out = silu(gate) * up: dGate = dOut * up * silu'(gate) and
 * dUp = dOut * silu(gate), with s = sigmoid(g) = 1 / (1 + e^-g), silu(g) = g / (1 + e^-g) (the forward's
 * expression, so the same bits) and silu'(g) = s * (1 + g * (1 - s)). One exp per element serves both.
 * Bandwidth-bound grid-stride loops like the forward's: global = {G}, local = {L}, any G multiple of L.
 *
 * <p>The outputs may be the input buffers (dGate = gate, dUp = up, as Unsloth's in-place kernel): each
 * work-item reads all three inputs of an element before it writes that element's gradients, and no other
 * work-item touches the element.
 *
 * <p>Rounding in bf16 follows PyTorch's autograd for HF's {@code F.silu(g) * u} on bf16 tensors: the product's
 * backward gives dUp = bf16(dOut * a) with a = bf16(silu(g)) the saved forward output, and the gradient of
 * a, gradSilu = bf16(dOut * u); silu's backward kernel then computes, in f32 from the bf16 gradSilu and g,
 * {@code gradSilu * s * (1 + g * (1 - s))} (that order) and rounds it to bf16. The f32 kernel is the same
 * chain without the bf16 roundings.
 *
 * <p>Tolerance: s and silu are within 2e-6 relative of the exact ones (exp and the division, see SwiGlu);
 * silu'(g) within 2e-6 * s * (1 + |g|), the absolute error of forming 1 + g * (1 - s) from a rounded s near
 * 1 growing with |g|. The f32 outputs are within those bounds times |dOut| (resp. |dOut * up|) plus their
 * last rounding; bf16 outputs are the chain above for some silu and silu' within those bounds.
 */
public final class SwiGluBackward {
    private SwiGluBackward() {
    }

    /** One source for f32 and bf16 (FloatingPointArray); the roundings are bf16's, identities in f32. */
    public static void backward(KernelContext ctx, FloatingPointArray gate, FloatingPointArray up,
                                FloatingPointArray dOut, FloatingPointArray dGate, FloatingPointArray dUp, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float g = gate.getFloat(i);
            float u = up.getFloat(i);
            float dy = dOut.getFloat(i);
            float e = TornadoMath.exp(-g);
            dUp.setFloat(i, dy * dUp.round(g / (1f + e)));
            dGate.setFloat(i, gateGradient(dGate.round(dy * u), g, e));
        }
    }

    /**
     * {@link #backward} on bf16 four elements per 8-byte access: every array is a LongArray view of bf16 memory
     * (see {@link SwiGlu#forwardBf16Packed}); {@code packedLength} = n / 4, so n must be a multiple of 4.
     */
    public static void backwardBf16Packed(KernelContext ctx, LongArray gate, LongArray up, LongArray dOut,
                                          LongArray dGate, LongArray dUp, long packedLength) {
        for (long i = ctx.globalIdx; i < packedLength; i += ctx.globalGroupSizeX) {
            long gates = gate.get(i);
            long ups = up.get(i);
            long dys = dOut.get(i);
            long gateGradients = 0;
            long upGradients = 0;
            for (int shift = 0; shift < 64; shift += 16) {
                float g = SwiGlu.bf16At(gates, shift);
                float dy = SwiGlu.bf16At(dys, shift);
                float e = TornadoMath.exp(-g);
                upGradients |= (upGradientBf16(dy, g, e) & 0xFFFFL) << shift;
                gateGradients |= (gateGradientBf16(dy, SwiGlu.bf16At(ups, shift), g, e) & 0xFFFFL) << shift;
            }
            dGate.set(i, gateGradients);
            dUp.set(i, upGradients);
        }
    }

    /** silu's backward as PyTorch evaluates it: gradSilu * s * (1 + g * (1 - s)), s from e = exp(-g). */
    private static float gateGradient(float gradSilu, float g, float e) {
        float s = 1f / (1f + e);
        return gradSilu * s * (1f + g * (1f - s));
    }

    /** bf16(dOut * bf16(silu(g))), as bits. */
    private static short upGradientBf16(float dy, float g, float e) {
        float roundedSilu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(g / (1f + e)));
        return TornadoMath.floatToBfloat16(dy * roundedSilu);
    }

    /** bf16(bf16(dOut * up) * silu'(g)) in silu's backward order, as bits. */
    private static short gateGradientBf16(float dy, float u, float g, float e) {
        float gradSilu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(dy * u));
        return TornadoMath.floatToBfloat16(gateGradient(gradSilu, g, e));
    }
}
