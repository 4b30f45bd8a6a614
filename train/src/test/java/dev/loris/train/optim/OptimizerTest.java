package dev.loris.train.optim;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The optimizer kernels against plain-Java references of torch.optim.AdamW and SGD written in double (fresh
 * random parameters and gradients, three steps, a clipping factor): f32 results within 1e-6 relative plus 1e-7
 * absolute; the gradient norm within 1e-6 relative of the double sum.
 */
class OptimizerTest {
    private static final int N = 5003;

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void adamWFollowsTorchsUpdate(String spec) {
        Random random = new Random(3);
        float[] p = values(random, N, 1);
        float[][] grads = {values(random, N, 0.1), values(random, N, 0.1), values(random, N, 0.1)};
        Optimizer.AdamW kind = new Optimizer.AdamW(0.9, 0.95, 1e-6, 0.1);
        double[] ref = toDouble(p);
        double[] m = new double[N];
        double[] v = new double[N];
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray params = acc.upload(FloatArray.fromArray(p));
             DeviceArray g = acc.allocate(FloatArray.class, N);
             Optimizer adam = new Optimizer(acc, params, g, kind)) {
            for (int t = 1; t <= 3; t++) {
                g.copyFrom(FloatArray.fromArray(grads[t - 1]));
                double lr = 1e-2 * t;
                double scale = 0.5;
                adam.step(lr, scale);
                for (int i = 0; i < N; i++) {
                    double gi = grads[t - 1][i] * scale;
                    ref[i] *= 1 - lr * kind.weightDecay();
                    m[i] = kind.beta1() * m[i] + (1 - kind.beta1()) * gi;
                    v[i] = kind.beta2() * v[i] + (1 - kind.beta2()) * gi * gi;
                    double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(kind.beta2(), t)) + kind.eps();
                    ref[i] -= lr / (1 - Math.pow(kind.beta1(), t)) * m[i] / denominator;
                }
            }
            assertClose(ref, read(params), spec + " AdamW");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void sgdWithMomentumAndTheGradientNorm(String spec) {
        Random random = new Random(4);
        float[] p = values(random, N, 1);
        float[] grad = values(random, N, 0.3);
        double[] ref = toDouble(p);
        double[] buffer = new double[N];
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray params = acc.upload(FloatArray.fromArray(p));
             DeviceArray g = acc.upload(FloatArray.fromArray(grad));
             Optimizer sgd = new Optimizer(acc, params, g, new Optimizer.Sgd(0.9, 0.01))) {
            double squares = 0;
            for (float x : grad) {
                squares += (double) x * x;
            }
            assertEquals(Math.sqrt(squares), sgd.gradientNorm(), 1e-6 * Math.sqrt(squares), spec + " norm");
            for (int t = 1; t <= 3; t++) {
                sgd.step(0.1, 1);
                for (int i = 0; i < N; i++) {
                    double gi = grad[i] + 0.01 * ref[i];
                    buffer[i] = t == 1 ? gi : 0.9 * buffer[i] + gi;
                    ref[i] -= 0.1 * buffer[i];
                }
            }
            assertClose(ref, read(params), spec + " SGD");
        }
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.abs(expected[i]) + 1e-7, what + " element " + i);
        }
    }

    private static float[] values(Random random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static float[] read(DeviceArray array) {
        FloatArray host = new FloatArray(array.length());
        array.copyTo(host);
        return host.toHeapArray();
    }
}
