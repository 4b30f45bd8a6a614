package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.FloatArray;


import static org.junit.jupiter.api.Assertions.assertTrue;

/** Row softmax against a double-precision softmax, relative 1e-5 per element. */
class SoftmaxTest {
    @AcrossBackends
    void rowsMatchDoublePrecisionWithinOneHundredThousandth(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(20, 100);
        int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 3000);
        int local = 1 << in.between(5, 8);
        float[] x = in.floats(rows * cols, 10f);
        FloatArray out = SuiteInputs.poisonedFloats((long) rows * cols);
        backend.run(SuiteInputs.kernel(Softmax.class, "softmax"), new int[] {rows * local},
                new int[] {local}, FloatArray.fromArray(x), out, cols);
        float[] expected = Softmax.softmaxReference(x, cols);
        for (int i = 0; i < x.length; i++) {
            float actual = out.get(i);
            assertTrue(Math.abs(actual - expected[i]) <= 1e-5 * expected[i], in.at(backend, "row " + i / cols
                    + " column " + i % cols + " of " + rows + "x" + cols + ", group " + local + ": " + actual
                    + ", expected " + expected[i]));
        }
    }
}
