package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.LongArray;

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

    /** One source for f32 and bf16 (FloatingPointArray): silu is rounded to the element type, as HF's bf16 does. */
    public static void forward(KernelContext ctx, FloatingPointArray gate, FloatingPointArray up,
                               FloatingPointArray out, long n) {
        for (long i = ctx.globalIdx; i < n; i += ctx.globalGroupSizeX) {
            out.setFloat(i, out.round(silu(gate.getFloat(i))) * up.getFloat(i));
        }
    }

    /**
     * {@link #forward} on bf16 four elements at a time, for bandwidth: each bf16 array is passed as a LongArray
     * view of the same memory ({@code DeviceArray.view(LongArray.class)}), so a work-item moves 8 bytes per
     * load and store instead of 2. Little-endian: element 4k is the low 16 bits of long k. Same rounding
     * chain; {@code packedLength} = n / 4, so n must be a multiple of 4 (use {@link #forward} otherwise).
     */
    public static void forwardBf16Packed(KernelContext ctx, LongArray gate, LongArray up, LongArray out,
                                         long packedLength) {
        for (long i = ctx.globalIdx; i < packedLength; i += ctx.globalGroupSizeX) {
            long g = gate.get(i);
            long u = up.get(i);
            long result = 0;
            for (int shift = 0; shift < 64; shift += 16) {
                float roundedSilu = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(silu(bf16At(g, shift))));
                short product = TornadoMath.floatToBfloat16(roundedSilu * bf16At(u, shift));
                result |= (product & 0xFFFFL) << shift;
            }
            out.set(i, result);
        }
    }

    /** The bf16 value in bits shift..shift+15 of a packed long, as a float. */
    static float bf16At(long packed, int shift) {
        return Float.intBitsToFloat((int) (packed >>> shift) << 16);
    }

    private static float silu(float g) {
        return g / (1f + TornadoMath.exp(-g));
    }
}
