package dev.loris.tornado.runtime;

import dev.loris.testing.RequiresCuda;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.DivisionByZeroException;
import dev.loris.tornado.host.GridScheduler;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.host.TaskGraph;
import dev.loris.tornado.host.TornadoExecutionPlan;
import dev.loris.tornado.host.WorkerGrid1D;
import dev.loris.tornado.host.enums.DataTransferMode;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Integer division by zero behaves as Java's on every backend: a {@link DivisionByZeroException} (an
 * ArithmeticException) naming the kernel, the division's source line and the device; raised by the launch on
 * the JVM and at the next synchronisation point on devices; after it the accelerator works on. Divisions that
 * do not meet 0 give Java's results (MIN / -1 and MIN % -1 included) and raise nothing. One accelerator per
 * backend serves all cases, so each case also checks that the previous ones left it clean.
 */
class DivisionByZeroTest {
    private static final int GROUP = 64;

    @Nested
    class OnJvm extends Cases {
        OnJvm() {
            super("jvm");
        }
    }

    @Nested
    @RequiresOpenCl
    class OnOpenCl extends Cases {
        OnOpenCl() {
            super("opencl");
        }

        /** PoCL's SIGFPE handler used to swallow the JVM's own division traps once OpenCL was loaded. */
        @Test
        void plainJavaStillThrowsWithOpenClLoaded() {
            Accelerator.available();
            int divisor = 0;
            int missed = 0;
            for (int i = 0; i < 20_000; i++) {
                try {
                    missed += javaDivide(i, divisor) * 0 + 1;
                } catch (ArithmeticException expected) {
                    // as Java defines it
                }
            }
            assertEquals(0, missed, "integer divisions by zero that did not throw");
        }
    }

    private static int javaDivide(int a, int b) {
        return a / b;
    }

    @Nested
    @RequiresCuda
    class OnCuda extends Cases {
        OnCuda() {
            super("cuda");
        }
    }

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Cases {
        private final String spec;
        private final long seed = System.nanoTime();
        private final Random random = new Random(seed);
        private Accelerator acc;

        Cases(String spec) {
            this.spec = spec;
        }

        @BeforeAll
        void open() {
            acc = Accelerator.open(spec);
        }

        @AfterAll
        void close() {
            acc.close();
        }

        /** A fault no case expected would surface here, failing the case that caused it. */
        @AfterEach
        void leftClean() {
            assertDoesNotThrow(acc::synchronize, "a fault was left pending");
        }

        private String context() {
            return acc.spec() + ", seed " + seed;
        }

        @ParameterizedTest
        @EnumSource(Division.class)
        void nonZeroDivisorsGiveJavasResults(Division division) {
            int n = GROUP * (1 + random.nextInt(8));
            long[] a = division.operands(random, n);
            long[] b = division.operands(random, n);
            a[0] = division.wide ? Long.MIN_VALUE : Integer.MIN_VALUE;
            b[0] = -1;
            TornadoNativeArray out = division.hostArray(n);
            assertDoesNotThrow(() -> run(division, a, b, out, "copy"));
            division.assertJavaResults(a, b, out, context());
        }

        @ParameterizedTest
        @EnumSource(Division.class)
        void zeroDivisorRaisesWithKernelLineAndDevice(Division division) {
            int n = GROUP * (1 + random.nextInt(8));
            long[] a = division.operands(random, n);
            long[] b = division.operands(random, n);
            for (int zeros = 1 + random.nextInt(3); zeros > 0; zeros--) {
                b[random.nextInt(n)] = 0;
            }
            TornadoNativeArray out = division.hostArray(n);
            DivisionByZeroException e = assertThrows(DivisionByZeroException.class,
                    () -> run(division, a, b, out, "synchronize"), context());
            assertInstanceOf(ArithmeticException.class, e);
            assertEquals("DivisionKernels." + division.kernel, e.kernelName(), context());
            assertEquals(acc.spec(), e.device());
            assertSameSite(division.javaSite(), e.site());
            String line = "DivisionKernels.java:" + division.javaSite().getLineNumber();
            assertTrue(e.getMessage().startsWith("/ by zero in " + DivisionKernels.class.getName() + "."
                    + division.kernel + " (" + line + "), on " + acc.spec()), e.getMessage());
            assertEquals(e.site(), e.getStackTrace()[0], "the division is the first frame");

            // Cleared and usable: the same launcher with the zeros replaced gives Java's results.
            assertDoesNotThrow(acc::synchronize, "the fault was reported twice");
            for (int i = 0; i < n; i++) {
                b[i] = b[i] == 0 ? -1 : b[i];
            }
            assertDoesNotThrow(() -> run(division, a, b, out, "copy"));
            division.assertJavaResults(a, b, out, context());
        }

        /** Devices raise at the synchronisation point, whichever it is; the JVM at the launch. */
        @ParameterizedTest
        @EnumSource(value = Division.class, names = {"INT_DIVIDE", "LONG_REMAINDER"})
        void raisedWhereTheHostWaits(Division division) {
            long[] a = division.operands(random, GROUP);
            long[] b = division.operands(random, GROUP);
            b[random.nextInt(GROUP)] = 0;
            TornadoNativeArray out = division.hostArray(GROUP);
            for (String waitBy : new String[] {"synchronize", "stream", "copy"}) {
                assertThrows(DivisionByZeroException.class, () -> run(division, a, b, out, waitBy),
                        waitBy + " on " + context());
            }
        }

        @Test
        void onlyTheFirstFaultIsReportedAndLaunchesOnDevicesDoNotThrow() {
            Division first = Division.INT_DIVIDE;
            Division second = Division.INT_REMAINDER;
            long[] a = first.operands(random, GROUP);
            long[] zeros = new long[GROUP];
            try (DeviceArray da = acc.upload(first.hostArray(a)); DeviceArray db = acc.upload(first.hostArray(zeros));
                 DeviceArray dout = acc.allocate(IntArray.class, GROUP)) {
                KernelLaunch divide = launcher(first, da, db, dout);
                KernelLaunch remainder = launcher(second, da, db, dout);
                Executable launchBoth = () -> {
                    divide.launch(GROUP, GROUP, acc.defaultStream());
                    remainder.launch(GROUP, GROUP, acc.defaultStream());
                };
                if (acc.backend() == Accelerator.Backend.JVM) {
                    DivisionByZeroException e = assertThrows(DivisionByZeroException.class, launchBoth);
                    assertEquals("DivisionKernels." + first.kernel, e.kernelName());
                    return;
                }
                assertDoesNotThrow(launchBoth, "a device launch raised before any synchronisation");
                DivisionByZeroException e = assertThrows(DivisionByZeroException.class, acc::synchronize);
                assertEquals("DivisionKernels." + first.kernel, e.kernelName(), context());
            }
        }

        @Test
        void anUnusedQuotientStillRaises() {
            long[] b = Division.INT_DIVIDE.operands(random, GROUP);
            b[random.nextInt(GROUP)] = 0;
            try (DeviceArray db = acc.upload(Division.INT_DIVIDE.hostArray(b));
                 DeviceArray dout = acc.allocate(IntArray.class, GROUP)) {
                KernelLaunch launch = acc.compile(DivisionKernels.class, "unusedQuotient", Map.of()).launcher()
                        .setArguments(null, db, dout);
                DivisionByZeroException e = assertThrows(DivisionByZeroException.class, () -> {
                    launch.launch(GROUP, GROUP, acc.defaultStream());
                    acc.synchronize();
                }, context());
                assertEquals("unusedQuotient", e.site().getMethodName());
            }
        }

        @Test
        void aGuardedLoopInvariantDivisionDoesNotRunWhenTheGuardIsFalse() {
            int trips = 1 + random.nextInt(20);
            long[] a = Division.INT_DIVIDE.operands(random, GROUP);
            IntArray out = new IntArray(GROUP);
            try (DeviceArray da = acc.upload(Division.INT_DIVIDE.hostArray(a));
                 DeviceArray dout = acc.allocate(IntArray.class, GROUP)) {
                KernelLaunch launch = acc.compile(DivisionKernels.class, "guardedInLoop", Map.of()).launcher()
                        .setArguments(null, da, dout, 0, trips);
                dout.fillBytes((byte) 0x5A);
                launch.launch(GROUP, GROUP, acc.defaultStream());
                assertDoesNotThrow(() -> dout.copyTo(out), context());
                for (int i = 0; i < GROUP; i++) {
                    assertEquals(trips * (trips - 1) / 2, out.get(i), "work-item " + i + ", " + context());
                }
                int divisor = -3 - random.nextInt(5);
                launch.set(3, divisor).launch(GROUP, GROUP, acc.defaultStream());
                dout.copyTo(out);
                for (int i = 0; i < GROUP; i++) {
                    assertEquals(trips * ((int) a[i] / divisor), out.get(i), "work-item " + i + ", " + context());
                }
            }
        }

        @Test
        void aDivisionInACalledMethodNamesItAndTheKernel() {
            long[] a = Division.INT_DIVIDE.operands(random, GROUP);
            long[] b = new long[GROUP];
            try (DeviceArray da = acc.upload(Division.INT_DIVIDE.hostArray(a));
                 DeviceArray db = acc.upload(Division.INT_DIVIDE.hostArray(b));
                 DeviceArray dout = acc.allocate(IntArray.class, GROUP)) {
                KernelLaunch launch = acc.compile(DivisionKernels.class, "helperDivide", Map.of()).launcher()
                        .setArguments(null, da, db, dout);
                DivisionByZeroException e = assertThrows(DivisionByZeroException.class, () -> {
                    launch.launch(GROUP, GROUP, acc.defaultStream());
                    acc.synchronize();
                }, context());
                assertEquals("quotient", e.site().getMethodName());
                assertEquals("DivisionKernels.helperDivide", e.kernelName());
                assertTrue(e.getMessage().contains(".quotient (DivisionKernels.java:")
                        && e.getMessage().contains("called from kernel DivisionKernels.helperDivide"), e.getMessage());
            }
        }

        @Test
        void anExecutionPlanRaisesFromExecuteAndRunsAgain() {
            long[] a = Division.INT_DIVIDE.operands(random, GROUP);
            long[] b = Division.INT_DIVIDE.operands(random, GROUP);
            int zeroAt = random.nextInt(GROUP);
            b[zeroAt] = 0;
            IntArray ha = (IntArray) Division.INT_DIVIDE.hostArray(a);
            IntArray hb = (IntArray) Division.INT_DIVIDE.hostArray(b);
            IntArray out = new IntArray(GROUP);
            TaskGraph graph = new TaskGraph("div")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, ha, hb)
                    .task("q", DivisionKernels::intDivide, new KernelContext(), ha, hb, out)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            WorkerGrid1D grid = new WorkerGrid1D(GROUP);
            grid.setLocalWork(GROUP, 1, 1);
            try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
                plan.withDevice(acc).withGridScheduler(new GridScheduler("div.q", grid));
                DivisionByZeroException e = assertThrows(DivisionByZeroException.class, plan::execute, context());
                assertEquals("DivisionKernels.intDivide", e.kernelName());
                b[zeroAt] = 1;
                hb.set(zeroAt, 1);
                assertDoesNotThrow(plan::execute, context());
            }
            Division.INT_DIVIDE.assertJavaResults(a, b, out, context());
        }

        /**
         * One launch of {@code division}'s kernel over a, b into out (poisoned first), then waits by
         * {@code waitBy}: "synchronize" (the accelerator, then a copy back), "stream" (the default stream,
         * then a copy back) or "copy" (the blocking copy back alone).
         */
        private void run(Division division, long[] a, long[] b, TornadoNativeArray out, String waitBy) {
            int n = a.length;
            try (DeviceArray da = acc.upload(division.hostArray(a)); DeviceArray db = acc.upload(division.hostArray(b));
                 DeviceArray dout = acc.allocate(division.arrayType(), n)) {
                dout.fillBytes((byte) 0x5A);
                launcher(division, da, db, dout).launch(n, GROUP, acc.defaultStream());
                switch (waitBy) {
                    case "synchronize" -> acc.synchronize();
                    case "stream" -> acc.defaultStream().synchronize();
                    default -> { }
                }
                dout.copyTo(out);
            }
        }

        private KernelLaunch launcher(Division division, DeviceArray a, DeviceArray b, DeviceArray out) {
            return acc.compile(DivisionKernels.class, division.kernel, Map.of()).launcher().setArguments(null, a, b, out);
        }
    }

    static void assertSameSite(StackTraceElement expected, StackTraceElement actual) {
        assertEquals(expected.getClassName(), actual.getClassName());
        assertEquals(expected.getMethodName(), actual.getMethodName());
        assertEquals(expected.getFileName(), actual.getFileName());
        assertEquals(expected.getLineNumber(), actual.getLineNumber());
    }
}
