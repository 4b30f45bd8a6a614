package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

/**
 * The GeGLU activation of Gemma's MLP, forward: out = gelu(gate) * up elementwise, with PyTorch's
 * tanh-approximate GELU ({@code gelu_pytorch_tanh}): gelu(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3))).
 * A bandwidth-bound grid-stride loop like {@link SwiGlu}'s: global = {G}, local = {L}, any G multiple of L.
 *
 * <p>Rounding follows Hugging Face's bf16 model: {@code act(g) * u} on bf16 tensors computes gelu in f32 (PyTorch's
 * opmath, the formula above in that order) and rounds it to bf16, then the bf16 product is rounded again; in f32
 * both roundings are f32's.
 *
 * <p>Tolerance: tanh is within 1 ulp (JVM) or a few (PTX, OpenCL), an absolute error of about 2.4e-7 that
 * {@code 1 + tanh} keeps where it cancels (large negative g, as it does in PyTorch), so the kernels' f32 gelu is
 * within 2e-6 relative plus 2.4e-7 * 0.5 |g| absolute of the exact one ({@code GeGluReference.tolerance} in the
 * tests). The f32 output is within that times |up| plus its last rounding; the bf16 output is the rounding chain
 * for some gelu in that range.
 */
public final class GeGlu {
    /** sqrt(2 / pi), as PyTorch's kBeta = M_SQRT2 * M_2_SQRTPI * 0.5, rounded to f32. */
    static final float BETA = (float) (Math.sqrt(2.0) * (2.0 / Math.sqrt(Math.PI)) * 0.5);
    static final float KAPPA = 0.044715f;

    private GeGlu() {
    }

    /** One source for f32 and bf16 (FloatingPointArray): gelu is rounded to the element type, as HF's bf16 does. */
    public static void forward(KernelContext ctx, FloatingPointArray gate, FloatingPointArray up,
                               FloatingPointArray out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, out.round(gelu(gate.getFloat(i))) * up.getFloat(i));
        }
    }

    /** PyTorch's order: inner = kBeta * (x + kKappa * x^3), 0.5 * x * (1 + tanh(inner)). */
    static float gelu(float x) {
        float inner = BETA * (x + KAPPA * (x * x * x));
        return 0.5f * x * (1f + TornadoMath.tanh(inner));
    }
}
