package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;


import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Java semantics of control flow, division and shifts: device results equal to the JVM's, exactly. The
 * reference runs the kernel's own row functions on the host, since Java is the specification here; on the
 * JVM backend the test therefore checks only that the runner covers and writes every row.
 */
class ControlFlowKernelTest {
    @AcrossBackends
    void everyRowMatchesJava(SuiteAccelerator backend) {
        SuiteInputs in = new SuiteInputs();
        int rows = in.between(100, 2000);
        int width = in.between(1, 40);
        IntArray a = new IntArray((long) rows * width);
        IntArray b = new IntArray((long) rows * width);
        for (int i = 0; i < rows * width; i++) {
            a.set(i, interestingInt(in));
            b.set(i, interestingInt(in));
        }
        IntArray ints = new IntArray(rows);
        ints.init(0x7FC0DEAD);
        LongArray longs = new LongArray(rows);
        longs.init(0x7FC0DEAD7FC0DEADL);
        int local = 64;
        backend.run(SuiteInputs.kernel(ControlFlowKernel.class, "foldRows"),
                new int[] {(rows + local - 1) / local * local}, new int[] {local}, a, b, ints, longs, rows, width);
        int[] expectedInts = ControlFlowKernel.intReference(a, b, rows, width);
        long[] expectedLongs = ControlFlowKernel.longReference(a, b, rows, width);
        for (int r = 0; r < rows; r++) {
            assertEquals(expectedInts[r], ints.get(r), in.at(backend, "int fold of row " + r + ", width " + width));
            assertEquals(expectedLongs[r], longs.get(r), in.at(backend, "long fold of row " + r + ", width " + width));
        }
    }

    /** Zero (for continue), the extremes, -1, small values (shift counts around 0, 32 and 64) and any int. */
    private static int interestingInt(SuiteInputs in) {
        return switch (in.random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> Integer.MIN_VALUE;
            case 2 -> in.random.nextBoolean() ? -1 : Integer.MAX_VALUE;
            case 3, 4 -> in.between(-70, 70);
            default -> in.random.nextInt();
        };
    }
}
