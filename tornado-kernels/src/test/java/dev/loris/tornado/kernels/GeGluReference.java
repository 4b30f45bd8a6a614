package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link GeGlu}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class GeGluReference {
    private GeGluReference() {
    }

    /** gelu in double, rounded once: the exact value the kernels approximate. */
    public static float geluReference(float g) {
        double x = g;
        double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return (float) (0.5 * x * (1 + Math.tanh(inner)));
    }

    /** How far the kernels' f32 gelu may be from {@link #geluReference}: see the class comment. */
    public static float tolerance(float g) {
        return 2e-6f * Math.abs(geluReference(g)) + 2.4e-7f * 0.5f * Math.abs(g) + Float.MIN_NORMAL;
    }

    public static float[] forwardReference(float[] gate, float[] up) {
        float[] out = new float[gate.length];
        for (int i = 0; i < gate.length; i++) {
            out[i] = geluReference(gate[i]) * up[i];
        }
        return out;
    }
}
