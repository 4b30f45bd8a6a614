package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.IntArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Regression tests for the Java-semantics defects found by conformance testing (issue 16), on every backend
 * present: each runs a {@link ConformanceKernels} kernel and compares with the same code run as plain Java.
 */
class JavaConformanceTest {
    private static final int POISON = 0x7FC0DEAD;

    @AcrossBackends
    void oneBlockLoopsMatchJavaWhetherTheLimitIsAConstantOrNot(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int n = 100;
        int start = in.between(-3, 3);
        for (int limit : new int[] {4, in.between(-5, 60)}) {
            for (Map<Integer, Object> constants : List.<Map<Integer, Object>>of(Map.of(), Map.of(4, limit),
                    Map.of(3, start, 4, limit))) {
                IntArray out = new IntArray(2L * n);
                out.init(POISON);
                backend.run(SuiteInputs.kernel(ConformanceKernels.class, "oneBlockLoops"), constants,
                        new int[] {128}, new int[] {64}, out, n, start, limit);
                for (int i = 0; i < n; i++) {
                    String where = in.at(backend, "i " + i + ", start " + start + ", limit " + limit + ", constants " + constants);
                    assertEquals(ConformanceKernels.doWhileSteps(start, limit) + i, out.get(i), where);
                    assertEquals(ConformanceKernels.breakLoopSteps(start, limit) + i, out.get(n + i), where);
                }
            }
        }
    }

    @AcrossBackends
    void constantOneBlockLoopsFold(SuiteAccelerator backend) {
        IntArray out = new IntArray(4);
        out.init(POISON);
        backend.run(SuiteInputs.kernel(ConformanceKernels.class, "constantLoops"), new int[] {64}, new int[] {64}, out);
        assertEquals(ConformanceKernels.doWhileSteps(0, 4), out.get(0), backend.name());
        assertEquals(ConformanceKernels.breakLoopSteps(0, 4), out.get(1), backend.name());
        assertEquals(ConformanceKernels.doWhileSteps(0, 100), out.get(2), backend.name());
        assertEquals(ConformanceKernels.breakLoopSteps(1, 11), out.get(3), backend.name());
    }
}
