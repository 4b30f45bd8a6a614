package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;

/**
 * GeGLU backward for {@link GeGlu}'s out = gelu(gate) * up: dUp = dOut * gelu(gate) and dGate = dOut * up *
 * gelu'(gate), with PyTorch's derivative of the tanh approximation (GeluBackward, approximate='tanh'), t =
 * tanh(inner), inner = beta (g + kappa g^3):
 * <pre>
 *   gelu'(g) = 0.5 (1 + t) + 0.5 g (1 - t^2) beta (1 + 3 kappa g^2)
 * </pre>
 * Grid-stride loops like the forward's. The outputs may be the input buffers (dGate = gate, dUp = up): each
 * work-item reads all three inputs of an element before it writes its gradients.
 *
 * <p>Rounding in bf16 follows autograd for HF's {@code act(g) * u} on bf16 tensors: dUp = bf16(dOut * a) with a =
 * bf16(gelu(g)) the saved activation; the activation's gradient gradGelu = bf16(dOut * u); gelu's backward in f32
 * from gradGelu and g, rounded to bf16. The f32 kernel is the same chain without the bf16 roundings.
 *
 * <p>Tolerance: gelu as GeGlu's; gelu' within 2e-6 relative plus tanh's absolute error (2.4e-7) times the size
 * of each term it enters ({@code GeGluReference.tolerance}, {@code GeGluBackwardReference.derivativeTolerance} in
 * the tests).
 */
public final class GeGluBackward {
    private GeGluBackward() {
    }

    /** One source for f32 and bf16 (FloatingPointArray); the roundings are bf16's, identities in f32. */
    public static void backward(KernelContext ctx, FloatingPointArray gate, FloatingPointArray up,
                                FloatingPointArray dOut, FloatingPointArray dGate, FloatingPointArray dUp, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float g = gate.getFloat(i);
            float u = up.getFloat(i);
            float dy = dOut.getFloat(i);
            float x2 = g * g;
            float t = TornadoMath.tanh(GeGlu.BETA * (g + GeGlu.KAPPA * (x2 * g)));
            dUp.setFloat(i, dy * dUp.round(0.5f * g * (1f + t)));
            dGate.setFloat(i, dGate.round(dy * u) * derivative(g, x2, t));
        }
    }

    /** PyTorch's order: left' = 0.5 (1 + t), right' = 0.5 g (1 - t^2) beta (1 + 3 kappa g^2). */
    private static float derivative(float g, float x2, float t) {
        float left = 0.5f * g;
        float leftDerivative = 0.5f * (1f + t);
        float innerDerivative = GeGlu.BETA * (1f + 3f * GeGlu.KAPPA * x2);
        float rightDerivative = left * (1f - t * t) * innerDerivative;
        return leftDerivative + rightDerivative;
    }
}
