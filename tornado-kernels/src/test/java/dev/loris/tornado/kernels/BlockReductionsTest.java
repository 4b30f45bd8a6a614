package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * BlockReductions.sum (tree in local memory) and sumByWarps (warp shuffles, then local memory), each called
 * twice in a row by every work-item: the second call checks that the first left its local array free for
 * reuse. Every work-item writes what it got, so the test sees that all of them got the group's total, the
 * same bits in every work-item, within {@value #TOLERANCE} of the sum of magnitudes of the exact (double) sum.
 *
 * <p>The tolerance: both forms add at most 8 times along any path (a tree over up to 256 values, or two
 * 32-lane shuffle trees), each rounding by at most 2^-24 of a partial sum bounded by the sum of magnitudes,
 * so 8 * 2^-24 (about 4.8e-7) bounds the error; 1e-6 leaves room and still catches a lost or doubled value.
 *
 * <p>On an OpenCL device without sub-group shuffles (PoCL, NVIDIA's OpenCL) sumByWarps does not compile, by
 * design (see NO_OPENCL_SHUFFLE): for exactly that reason the test is skipped with the compiler's message; any other failure, and any failure on the JVM or CUDA,
 * fails it.
 */
class BlockReductionsTest {
    private static final int MAX_GROUP = 256;
    /** One slot per warp of the largest group, and the last one for the published total. */
    private static final int WARP_SLOTS = MAX_GROUP / KernelContext.WARP_SIZE + 1;
    private static final double TOLERANCE = 1e-6;
    /**
     * sumByWarps has only the first warp combine the warp totals; OpenCL devices without sub-group shuffles
     * emulate warps through local memory and barriers, which every work-item must reach, so they refuse it.
     */
    private static final Pattern NO_OPENCL_SHUFFLE =
            Pattern.compile("a simd operation that only some work-items of the work-group reach\\. This OpenCL "
                    + "device has no cl_khr_subgroup_shuffle");

    static void treeSums(KernelContext ctx, FloatArray values, FloatArray sums, FloatArray squareSums) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        float value = values.get(ctx.globalIdx);
        sums.set(ctx.globalIdx, BlockReductions.sum(ctx, partial, value));
        squareSums.set(ctx.globalIdx, BlockReductions.sum(ctx, partial, value * value));
    }

    static void warpSums(KernelContext ctx, FloatArray values, FloatArray sums, FloatArray squareSums) {
        float[] slots = ctx.allocateFloatLocalArray(WARP_SLOTS);
        float value = values.get(ctx.globalIdx);
        sums.set(ctx.globalIdx, BlockReductions.sumByWarps(ctx, slots, value));
        squareSums.set(ctx.globalIdx, BlockReductions.sumByWarps(ctx, slots, value * value));
    }

    @AcrossBackends
    void treeSumReachesEveryWorkItem(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(in, backend, SuiteInputs.kernel(BlockReductionsTest.class, "treeSums"), 1 << in.between(0, 8));
    }

    @AcrossBackends
    void warpSumReachesEveryWorkItem(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        check(in, backend, SuiteInputs.kernel(BlockReductionsTest.class, "warpSums"),
                KernelContext.WARP_SIZE * in.between(1, WARP_SLOTS - 1));
    }

    /** Without a GPU here, ptxas is what checks the shuffles' PTX (the suite's kernels do not use sumByWarps). */
    @Test
    void bothFormsAssembleForSm80AndSm90() {
        for (String name : new String[] {"treeSums", "warpSums"}) {
            Method kernel = SuiteInputs.kernel(BlockReductionsTest.class, name);
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                Ptxas.assertAssembles(KernelCompiler.ptx(kernel, Map.of(), new PtxEmitter.Options(arch, false)), arch);
            }
        }
    }

    private static void check(SuiteInputs in, SuiteAccelerator backend, Method kernel, int local) {
        int groups = in.between(1, 40);
        int n = groups * local;
        float[] values = in.floats(n, 10f);
        FloatArray sums = SuiteInputs.poisonedFloats(n);
        FloatArray squareSums = SuiteInputs.poisonedFloats(n);
        runUnlessOpenClLacksShuffles(backend, kernel, new int[] {n}, new int[] {local}, FloatArray.fromArray(values),
                sums, squareSums);
        float[] squares = new float[n];
        for (int i = 0; i < n; i++) {
            squares[i] = values[i] * values[i];
        }
        String shape = groups + " groups of " + local;
        checkGroups(in, backend, "sum", values, sums, local, shape);
        checkGroups(in, backend, "sum of squares", squares, squareSums, local, shape);
    }

    private static void checkGroups(SuiteInputs in, SuiteAccelerator backend, String what, float[] values,
                                    FloatArray results, int local, String shape) {
        for (int start = 0; start < values.length; start += local) {
            double exact = 0;
            double magnitude = 0;
            for (int i = start; i < start + local; i++) {
                exact += values[i];
                magnitude += Math.abs(values[i]);
            }
            int group = start / local;
            assertEquals(exact, results.get(start), TOLERANCE * magnitude,
                    in.at(backend, what + " of group " + group + " of " + shape));
            for (int i = start + 1; i < start + local; i++) {
                assertEquals(results.get(start), results.get(i), 0f, in.at(backend, what + " seen by local id "
                        + (i - start) + " of group " + group + " of " + shape + ", local id 0 got "
                        + results.get(start)));
            }
        }
    }

    private static void runUnlessOpenClLacksShuffles(SuiteAccelerator backend, Method kernel, int[] global,
                                                     int[] local, Object... args) {
        try {
            backend.run(kernel, global, local, args);
        } catch (KernelCompileException e) {
            boolean lacksShuffles = backend.backend() == Accelerator.Backend.OPENCL
                    && NO_OPENCL_SHUFFLE.matcher(e.getMessage()).find();
            if (lacksShuffles) {
                System.out.println("SKIPPED BlockReductionsTest." + kernel.getName() + " on " + backend.name() + ": "
                        + e.getMessage());
            }
            Assumptions.assumeFalse(lacksShuffles, () -> "this OpenCL device has no sub-group shuffles: " + e.getMessage());
            throw e;
        }
    }
}
