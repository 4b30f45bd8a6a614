package dev.loris.tornado.gemm;

/**
 * The f64 reference for {@link GemmShape} on host arrays (offsets 0), and the bound on each element's error:
 * f32 accumulation of k products costs at most about k * 2^-24 of the sum of magnitudes (we allow 4x), and
 * rounding the result to C's type half an ulp of it (we allow 2, and with a bias one more rounding of the
 * product and of the bias).
 */
final class GemmReference {
    /** Each element of C, and the tolerance allowed for it. */
    record Result(double[] c, double[] tolerance) {
    }

    private GemmReference() {
    }

    static Result multiply(GemmShape s, float alpha, float[] a, float[] b, float beta, float[] c, float[] bias) {
        double[] out = new double[c.length];
        double[] tol = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            out[i] = c[i];
        }
        double accumulation = 4.0 * s.k() * 0x1p-24;
        for (int batch = 0; batch < s.batch(); batch++) {
            for (int row = 0; row < s.m(); row++) {
                for (int col = 0; col < s.n(); col++) {
                    double sum = 0;
                    double magnitude = 0;
                    for (int p = 0; p < s.k(); p++) {
                        double x = a[(int) (batch * s.strideA() + (s.transposeA() ? p * s.lda() + row : row * s.lda() + p))];
                        double y = b[(int) (batch * s.strideB() + (s.transposeB() ? col * s.ldb() + p : p * s.ldb() + col))];
                        sum += x * y;
                        magnitude += Math.abs(x * y);
                    }
                    int at = (int) (batch * s.strideC() + row * s.ldc() + col);
                    double previous = c[at];
                    double value = alpha * sum + beta * previous + (bias == null ? 0 : bias[col]);
                    out[at] = value;
                    // A bias epilogue may round the product and the bias to C's type before adding them
                    // (cuBLASLt does for a bf16 C: 3 ulps off after cancellation, measured on the H100).
                    double epilogue = bias == null ? 0 : Math.abs(alpha * sum) + Math.abs(bias[col]);
                    tol[at] = Math.abs(alpha) * magnitude * accumulation
                            + (Math.abs(value) + Math.abs(beta * previous) + epilogue) * GemmData.unit(s.typeC()) * 2
                            + 1e-30;
                }
            }
        }
        return new Result(out, tol);
    }
}
