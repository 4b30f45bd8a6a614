package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link Elementwise}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class ElementwiseReference {
    private ElementwiseReference() {
    }

    /** The column sums in row order, in f32: what {@link #columnSums} computes, on the host. */
    public static float[] columnSumsReference(float[] x, float[] start, int rows, int cols) {
        float[] sums = start == null ? new float[cols] : start.clone();
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                sums[c] += x[r * cols + c];
            }
        }
        return sums;
    }
}
