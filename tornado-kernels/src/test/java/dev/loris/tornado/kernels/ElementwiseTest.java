package dev.loris.tornado.kernels;

import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Residual sums and column sums, bit for bit against their plain-Java forms (the rounding is fully specified). */
class ElementwiseTest {

    @AcrossBackends
    void f32AddIsExact(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 30_000);
        float[] a = in.floats(n, 10f);
        float[] b = in.floats(n, 10f);
        FloatArray out = SuiteInputs.poisonedFloats(n);
        backend.run(SuiteInputs.kernel(Elementwise.class, "add"), in.strideGrid(n, 256), new int[] {256},
                FloatArray.fromArray(a), FloatArray.fromArray(b), out, (long) n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(a[i] + b[i]), Float.floatToIntBits(out.get(i)), in.at(backend, "element " + i));
        }
    }

    @AcrossBackends
    void bf16AddRoundsTheF32SumOnce(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = in.between(1, 30_000);
        short[] a = in.bf16(n, 10f);
        short[] b = in.bf16(n, 10f);
        BFloat16Array out = SuiteInputs.poisonedBf16(n);
        backend.run(SuiteInputs.kernel(Elementwise.class, "add"), in.strideGrid(n, 256), new int[] {256},
                BFloat16Array.fromArray(a), BFloat16Array.fromArray(b), out, (long) n);
        for (int i = 0; i < n; i++) {
            short expected = TornadoMath.floatToBfloat16(TornadoMath.bfloat16ToFloat(a[i]) + TornadoMath.bfloat16ToFloat(b[i]));
            assertEquals(expected, out.get(i), in.at(backend, "element " + i));
        }
    }

    @AcrossBackends
    void columnSumsFollowRowOrder(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(1, 300);
        int cols = in.between(1, 700);
        boolean accumulate = in.random.nextBoolean();
        boolean bf16 = in.random.nextBoolean();
        short[] bits = in.bf16(rows * cols, 3f);
        float[] x = bf16 ? SuiteInputs.widen(bits) : in.floats(rows * cols, 3f);
        float[] start = accumulate ? in.floats(cols, 5f) : null;
        int offset = in.between(0, 40); // the sums' place in a flat buffer; the values before it stay poisoned
        FloatArray sums = SuiteInputs.poisonedFloats(offset + cols);
        for (int c = 0; accumulate && c < cols; c++) {
            sums.set(offset + c, start[c]);
        }
        int[] global = {(cols + 63) / 64 * 64};
        if (bf16) {
            backend.run(SuiteInputs.kernel(Elementwise.class, "columnSums"), global, new int[] {64},
                    BFloat16Array.fromArray(bits), sums, (long) offset, rows, cols, accumulate ? 1 : 0);
        } else {
            backend.run(SuiteInputs.kernel(Elementwise.class, "columnSums"), global, new int[] {64},
                    FloatArray.fromArray(x), sums, (long) offset, rows, cols, accumulate ? 1 : 0);
        }
        float[] expected = ElementwiseReference.columnSumsReference(x, start, rows, cols);
        for (int c = 0; c < cols; c++) {
            assertEquals(Float.floatToIntBits(expected[c]), Float.floatToIntBits(sums.get(offset + c)),
                    in.at(backend, "column " + c + " of " + rows + "x" + cols + (bf16 ? " bf16" : " f32")));
        }
        for (int i = 0; i < offset; i++) {
            assertTrue(Float.isNaN(sums.get(i)), in.at(backend, "value " + i + " before the offset was written"));
        }
    }

    @AcrossBackends
    void scatteredRowsLandWhereTheIndexSays(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(1, 40);
        int width = in.between(1, 300);
        int capacity = rows + in.between(0, 20);
        java.util.List<Integer> targets = new java.util.ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            targets.add(i);
        }
        java.util.Collections.shuffle(targets, in.random);
        int[] index = targets.subList(0, rows).stream().mapToInt(Integer::intValue).toArray();
        float[] src = in.floats(rows * width, 4f);
        FloatArray dst = SuiteInputs.poisonedFloats((long) capacity * width);
        backend.run(SuiteInputs.kernel(Elementwise.class, "scatterRows"), new int[] {rows * 64}, new int[] {64},
                FloatArray.fromArray(src), dst, dev.loris.tornado.api.types.arrays.IntArray.fromArray(index), width);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < width; c++) {
                assertEquals(src[r * width + c], dst.get((long) index[r] * width + c), in.at(backend, "row " + r + " col " + c));
            }
        }
        int untouched = 0;
        for (long i = 0; i < (long) capacity * width; i++) {
            untouched += Float.isNaN(dst.get(i)) ? 1 : 0;
        }
        assertEquals((capacity - rows) * width, untouched, in.at(backend, "rows outside the index were written"));
    }

    /** A block of columns lands in its place in every row; dst's other columns stay poisoned; f32 and bf16. */
    @AcrossBackends
    void copiedColumnsLandInTheirPlace(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(1, 20);
        int srcCols = in.between(2, 200);
        int width = in.between(1, srcCols);
        int srcOffset = in.between(0, srcCols - width);
        int dstCols = width + in.between(0, 50);
        int dstOffset = in.between(0, dstCols - width);
        boolean bf16 = in.random.nextBoolean();
        float[] src = in.floats(rows * srcCols, 4f);
        for (int i = 0; i < src.length && bf16; i++) {
            src[i] = TornadoMath.bfloat16ToFloat(TornadoMath.floatToBfloat16(src[i]));
        }
        dev.loris.tornado.api.types.arrays.FloatingPointArray dst;
        if (bf16) {
            BFloat16Array bits = new BFloat16Array((long) rows * dstCols);
            for (long i = 0; i < (long) rows * dstCols; i++) {
                bits.setFloat(i, Float.NaN);
            }
            BFloat16Array from = new BFloat16Array(src.length);
            for (int i = 0; i < src.length; i++) {
                from.setFloat(i, src[i]);
            }
            dst = bits;
            backend.run(SuiteInputs.kernel(Elementwise.class, "copyColumns"), new int[] {rows * 64}, new int[] {64},
                    from, bits, srcCols, srcOffset, dstCols, dstOffset, width);
        } else {
            FloatArray out = SuiteInputs.poisonedFloats((long) rows * dstCols);
            dst = out;
            backend.run(SuiteInputs.kernel(Elementwise.class, "copyColumns"), new int[] {rows * 64}, new int[] {64},
                    FloatArray.fromArray(src), out, srcCols, srcOffset, dstCols, dstOffset, width);
        }
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dstCols; c++) {
                float actual = dst.getFloat((long) r * dstCols + c);
                String where = in.at(backend, "row " + r + " column " + c + (bf16 ? " bf16" : " f32"));
                if (c >= dstOffset && c < dstOffset + width) {
                    assertEquals(src[r * srcCols + srcOffset + c - dstOffset], actual, where);
                } else {
                    assertTrue(Float.isNaN(actual), where + " outside the block was written");
                }
            }
        }
    }
}
