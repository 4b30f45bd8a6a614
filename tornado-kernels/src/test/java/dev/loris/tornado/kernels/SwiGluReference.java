package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;

/**
 * The host references (and tolerances) that {@link SwiGlu}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class SwiGluReference {
    private SwiGluReference() {
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
