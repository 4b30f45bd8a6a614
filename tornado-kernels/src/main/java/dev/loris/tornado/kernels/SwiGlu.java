package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

/**
 * The SwiGLU activation of Llama's MLP, forward: out = silu(gate) * up elementwise, silu(g) = g / (1 + e^-g).
 * Bandwidth-bound, so the kernels are plain grid-stride loops (global = {G}, local = {L}, any G multiple of
 * L): consecutive work-items touch consecutive elements, one read of each input and one write per element.
 *
 * <p>Rounding follows Hugging Face's bf16 model exactly: {@code F.silu(g) * u} on bf16 tensors computes silu
 * in f32 and rounds it to bf16, then the product of two bf16 values is computed in f32 and rounded to bf16
 * again. The f32 version rounds silu and the product in f32.
 *
 * <p>Tolerance: exp differs between backends (TornadoMath's table: 1 ulp on the JVM, 2 on PTX, 3 on OpenCL)
 * and OpenCL may divide within 2.5 ulp, so the kernels' f32 silu is within 2e-6 relative of the exact one,
 * and so is the f32 output. In bf16, that error can move the first rounding by one bf16 ulp, so the test
 * accepts exactly the results of the rounding chain for some silu within 2e-6 relative of the exact one
 * (the chain is monotone in silu).
 */
public final class SwiGlu {
    private SwiGlu() {
    }

    public static void forward(KernelContext ctx, FloatArray gate, FloatArray up, FloatArray out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.set(i, silu(gate.get(i)) * up.get(i));
        }
    }

    public static void forwardBf16(KernelContext ctx, BFloat16Array gate, BFloat16Array up, BFloat16Array out,
                                   long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            float roundedSilu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(silu(gate.getFloat(i))));
            out.setFloat(i, roundedSilu * up.getFloat(i));
        }
    }

    private static float silu(float g) {
        return g / (1f + TornadoMath.exp(-g));
    }

    /** silu in double, rounded once: the exact value the kernels approximate. */
    public static float siluReference(float g) {
        return (float) (g / (1 + Math.exp(-g)));
    }

    public static float[] forwardReference(float[] gate, float[] up) {
        float[] out = new float[gate.length];
        for (int i = 0; i < gate.length; i++) {
            out[i] = siluReference(gate[i]) * up[i];
        }
        return out;
    }

    /** HF's bf16 rounding chain from a given f32 silu, as raw bits: bf16(bf16(silu) * up). */
    public static short bf16Chain(float silu, float up) {
        float roundedSilu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(silu));
        return TornadoMath.floatToBfloat16(roundedSilu * up);
    }

    /** On raw bf16 bits. */
    public static short[] forwardBf16Reference(short[] gate, short[] up) {
        short[] out = new short[gate.length];
        for (int i = 0; i < gate.length; i++) {
            out[i] = bf16Chain(siluReference(TornadoMath.bfloat16ToFloat(gate[i])), TornadoMath.bfloat16ToFloat(up[i]));
        }
        return out;
    }
}
