package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link GeGluBackward}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class GeGluBackwardReference {
    private GeGluBackwardReference() {
    }

    /** gelu'(g) in double, rounded once. */
    public static float derivativeReference(float g) {
        double x = g;
        double beta = Math.sqrt(2 / Math.PI);
        double t = Math.tanh(beta * (x + 0.044715 * x * x * x));
        return (float) (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * beta * (1 + 3 * 0.044715 * x * x));
    }

    /** How far the kernels' f32 gelu' may be from {@link #derivativeReference}. */
    public static float derivativeTolerance(float g) {
        double x = Math.abs(g);
        double spread = 0.5 + 0.5 * x * 2 * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
        return (float) (2e-6 * Math.abs(derivativeReference(g)) + 2.4e-7 * spread) + Float.MIN_NORMAL;
    }
}
