package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * getSize() of an array that reaches it through a merge of control flow: an array chosen by a ternary or by
 * an inlined helper's two returns, and arrays read after such a merge and inside a loop (where the compiler's
 * SSA form carries them as phis, each with a phi of the arrays' lengths). Each work-item records the chosen
 * array's size and sums a strided slice of it, in Java's order, so results are exact; a wrong size shows in
 * both outputs.
 */
class ChosenArraySizeTest {
    static void sizeOfChosenArray(KernelContext ctx, FloatArray a, FloatArray b, boolean useA, IntArray sizes,
                                  FloatArray sums) {
        recordSizeAndSum(ctx, useA ? a : b, sizes, sums);
    }

    /** The same through an inlined helper with two returns, which the compiler merges into one value. */
    static void sizeOfReturnedArray(KernelContext ctx, FloatArray a, FloatArray b, boolean useA, IntArray sizes,
                                    FloatArray sums) {
        recordSizeAndSum(ctx, choose(useA, a, b), sizes, sums);
    }

    /** sizes[i] = the size of {@code chosen}; sums[i] = its elements i % size, + sizes.length, ... in order. */
    private static void recordSizeAndSum(KernelContext ctx, FloatArray chosen, IntArray sizes, FloatArray sums) {
        int i = ctx.globalIdx;
        if (i < sizes.getSize()) {
            int n = chosen.getSize();
            sizes.set(i, n);
            float sum = 0f;
            for (int k = i % n; k < chosen.getSize(); k += sizes.getSize()) {
                sum += chosen.get(k);
            }
            sums.set(i, sum);
        }
    }

    private static FloatArray choose(boolean useA, FloatArray a, FloatArray b) {
        if (useA) {
            return a;
        }
        return b;
    }

    @AcrossBackends
    void aTernaryChoosesTheArrayAndItsSize(SuiteAccelerator backend) {
        check(backend, "sizeOfChosenArray");
    }

    @AcrossBackends
    void anInlinedReturnChoosesTheArrayAndItsSize(SuiteAccelerator backend) {
        check(backend, "sizeOfReturnedArray");
    }

    private static void check(SuiteAccelerator backend, String kernel) {
        SuiteInputs in = new SuiteInputs();
        float[] a = in.floats(in.between(1, 3000), 10f);
        float[] b = in.floats(in.between(1, 3000), 10f);
        boolean useA = in.random.nextBoolean();
        int workItems = in.between(1, 500);
        IntArray sizes = new IntArray(workItems);
        sizes.init(-1);
        FloatArray sums = SuiteInputs.poisonedFloats(workItems);
        backend.run(SuiteInputs.kernel(ChosenArraySizeTest.class, kernel),
                new int[] {(workItems + 63) / 64 * 64}, new int[] {64}, FloatArray.fromArray(a),
                FloatArray.fromArray(b), useA, sizes, sums);
        float[] chosen = useA ? a : b;
        String which = (useA ? "a" : "b") + " of " + a.length + " and " + b.length + " elements";
        for (int i = 0; i < workItems; i++) {
            assertEquals(chosen.length, sizes.get(i),
                    in.at(backend, "size seen by work-item " + i + ", chose " + which));
            float sum = 0f;
            for (int k = i % chosen.length; k < chosen.length; k += workItems) {
                sum += chosen[k];
            }
            assertEquals(sum, sums.get(i), 0f, in.at(backend, "sum of work-item " + i + ", chose " + which));
        }
    }

    @Test
    void bothAssembleForSm80AndSm90() {
        for (String kernel : new String[] {"sizeOfChosenArray", "sizeOfReturnedArray"}) {
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                Ptxas.assertAssembles(KernelCompiler.ptx(SuiteInputs.kernel(ChosenArraySizeTest.class, kernel),
                        Map.of(), new PtxEmitter.Options(arch, false)), arch);
            }
        }
    }
}
