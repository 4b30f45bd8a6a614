package dev.loris.tornado.kernels;

/**
 * The host references (and tolerances) that {@link Embedding}'s kernels are tested against. Test sources:
 * only tests use them.
 */
final class EmbeddingReference {
    private EmbeddingReference() {
    }

    /** The gathered f32 rows, (ids.length, hidden). */
    public static float[] forwardReference(int[] ids, float[] weight, int hidden) {
        float[] out = new float[ids.length * hidden];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(weight, ids[t] * hidden, out, t * hidden, hidden);
        }
        return out;
    }

    /** The gathered bf16 rows, as raw bits. */
    public static short[] forwardBf16Reference(int[] ids, short[] weight, int hidden) {
        short[] out = new short[ids.length * hidden];
        for (int t = 0; t < ids.length; t++) {
            System.arraycopy(weight, ids[t] * hidden, out, t * hidden, hidden);
        }
        return out;
    }

    /**
     * dWeight after the backward kernels, in their order: per id, the f32 sum of its dOut rows in token order
     * from 0, then added once to dWeight's row; rows of absent ids keep their values. Returns a new array.
     */
    public static float[] backwardReference(float[] dOut, int[] ids, float[] dWeight, int hidden) {
        float[] sums = new float[dWeight.length];
        boolean[] present = new boolean[dWeight.length / hidden];
        for (int t = 0; t < ids.length; t++) {
            present[ids[t]] = true;
            for (int c = 0; c < hidden; c++) {
                sums[ids[t] * hidden + c] += dOut[t * hidden + c];
            }
        }
        float[] result = dWeight.clone();
        for (int v = 0; v < present.length; v++) {
            for (int c = 0; present[v] && c < hidden; c++) {
                result[v * hidden + c] += sums[v * hidden + c];
            }
        }
        return result;
    }
}
