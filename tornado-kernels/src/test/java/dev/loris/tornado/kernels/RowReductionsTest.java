package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.FloatArray;


import static org.junit.jupiter.api.Assertions.assertEquals;

/** Row sum and row max against plain Java, with rows narrower and wider than the work-group. */
class RowReductionsTest {
    @AcrossBackends
    void rowSumIsWithinOneHundredThousandthOfTheMagnitude(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(50, 150);
        int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 3000);
        int local = 1 << in.between(5, 8);
        float[] matrix = in.floats(rows * cols, 10f);
        FloatArray sums = SuiteInputs.poisonedFloats(rows);
        backend.run(SuiteInputs.kernel(RowReductions.class, "rowSum"), new int[] {rows * local},
                new int[] {local}, FloatArray.fromArray(matrix), sums, cols);
        float[] expected = RowReductions.rowSumReference(matrix, cols);
        for (int r = 0; r < rows; r++) {
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                magnitude += Math.abs(matrix[r * cols + c]);
            }
            assertEquals(expected[r], sums.get(r), 1e-5 * magnitude,
                    in.at(backend, "row " + r + " of " + rows + "x" + cols + ", group " + local));
        }
    }

    @AcrossBackends
    void rowMaxIsExact(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(50, 150);
        int cols = in.random.nextBoolean() ? in.between(1, 100) : in.between(500, 3000);
        int local = 1 << in.between(5, 8);
        float[] matrix = in.floats(rows * cols, 1000f);
        FloatArray maxima = SuiteInputs.poisonedFloats(rows);
        backend.run(SuiteInputs.kernel(RowReductions.class, "rowMax"), new int[] {rows * local},
                new int[] {local}, FloatArray.fromArray(matrix), maxima, cols);
        float[] expected = RowReductions.rowMaxReference(matrix, cols);
        for (int r = 0; r < rows; r++) {
            assertEquals(expected[r], maxima.get(r), 0f,
                    in.at(backend, "row " + r + " of " + rows + "x" + cols + ", group " + local));
        }
    }
}
