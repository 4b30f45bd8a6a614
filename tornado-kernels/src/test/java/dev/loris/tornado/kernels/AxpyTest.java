package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;


import static org.junit.jupiter.api.Assertions.assertEquals;

/** axpy in f32 and bf16, bit-exact against Java on every backend; grids smaller than n test the stride loop. */
class AxpyTest {
    @AcrossBackends
    void f32IsExact(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float a = in.random.nextFloat() * 4 - 2;
        float[] x = in.floats(n, 3f);
        float[] y = in.floats(n, 3f);
        FloatArray result = FloatArray.fromArray(y);
        backend.run(SuiteInputs.kernel(Axpy.class, "axpy"), in.strideGrid(n, 128), new int[] {128},
                a, FloatArray.fromArray(x), result, (long) n);
        float[] expected = Axpy.axpyReference(a, x, y);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], result.get(i), 0f, in.at(backend, "element " + i + " of " + n));
        }
    }

    @AcrossBackends
    void bf16IsExact(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 40_000);
        float a = in.random.nextFloat() * 4 - 2;
        short[] x = in.bf16(n, 3f);
        short[] y = in.bf16(n, 3f);
        BFloat16Array result = BFloat16Array.fromArray(y);
        backend.run(SuiteInputs.kernel(Axpy.class, "axpyBf16"), in.strideGrid(n, 64), new int[] {64},
                a, BFloat16Array.fromArray(x), result, (long) n);
        short[] expected = Axpy.axpyBf16Reference(a, x, y);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], result.get(i), in.at(backend, "element " + i + " of " + n));
        }
    }
}
