package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link SwiGluBackward}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class SwiGluBackwardReference {
    private SwiGluBackwardReference() {
    }

    /** silu'(g) = s (1 + g (1 - s)) in double: what the kernels' f32 derivative approximates. */
    public static double siluDerivativeReference(double g) {
        double s = 1 / (1 + Math.exp(-g));
        return s * (1 + g * (1 - s));
    }
}
