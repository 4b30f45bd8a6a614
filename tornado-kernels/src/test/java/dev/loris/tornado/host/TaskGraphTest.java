package dev.loris.tornado.host;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.host.common.TornadoFunctions;
import dev.loris.tornado.host.enums.DataTransferMode;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.examples.ExampleKernels;
import dev.loris.tornado.kernels.RowReductions;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.ExecTestKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TornadoVM-shaped API on every accelerator this machine has: kernels against plain Java with poisoned
 * outputs, transfer modes, graphs sharing device copies, and the errors a user can make.
 */
class TaskGraphTest {
    private static final int GROUP = 128;

    static GridScheduler grid(String task, long global, long local) {
        WorkerGrid1D grid = new WorkerGrid1D(global);
        grid.setLocalWork(local, 1, 1);
        return new GridScheduler(task, grid);
    }

    static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void axpyMatchesJava(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 1000 + random.nextInt(3000);
        float a = random.nextFloat() * 4 - 2;
        FloatArray x = ExecTestKernels.randomFloats(random, n);
        FloatArray y = ExecTestKernels.randomFloats(random, n);
        FloatArray out = ExecTestKernels.poisoned(n);
        TaskGraph graph = new TaskGraph("s0")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x, y)
                .task("t0", ExampleKernels::axpy, new KernelContext(), a, x, y, out, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            plan.withDevice(spec).withGridScheduler(grid("s0.t0", roundUp(n, GROUP), GROUP)).execute();
            assertEquals(spec, plan.getDevice().spec());
        }
        ExecTestKernels.assertAxpy(a, x, y, out, spec + " seed " + seed);
    }

    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void localMemoryReductionMatchesJava(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int rows = 10 + random.nextInt(30);
        int cols = 100 + random.nextInt(1000);
        FloatArray matrix = ExecTestKernels.randomFloats(random, rows * cols);
        FloatArray sums = ExecTestKernels.poisoned(rows);
        TaskGraph graph = new TaskGraph("reduce")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, matrix)
                .task("rows", RowReductions::rowSum, new KernelContext(), matrix, sums, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sums);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            plan.withDevice(spec).withGridScheduler(grid("reduce.rows",
                    (long) rows * RowReductions.MAX_GROUP, RowReductions.MAX_GROUP)).execute();
        }
        ExecTestKernels.assertRowSums(matrix, sums, cols, spec + " seed " + seed);
    }

    /**
     * x goes FIRST_EXECUTION, y EVERY_EXECUTION, out UNDER_DEMAND. Between executions the host changes x and y:
     * a device keeps its first copy of x and takes the new y; on the JVM (host memory) the kernel sees both.
     */
    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void transferModesDecideWhenArraysMove(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 512;
        FloatArray x = ExecTestKernels.randomFloats(random, n);
        FloatArray y = ExecTestKernels.randomFloats(random, n);
        FloatArray out = ExecTestKernels.poisoned(n);
        float[] firstX = x.toHeapArray();
        TaskGraph graph = new TaskGraph("modes")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, y)
                .task("axpy", ExampleKernels::axpy, new KernelContext(), 1f, x, y, out, n)
                .transferToHost(DataTransferMode.UNDER_DEMAND, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            plan.withDevice(spec).withGridScheduler(grid("modes.axpy", n, 64));
            TornadoExecutionResult first = plan.execute();
            boolean hostMemory = plan.getDevice().sharesHostMemory();
            if (!hostMemory) {
                assertTrue(Float.isNaN(out.get(0)), spec + ": UNDER_DEMAND leaves the host array alone");
            }
            first.transferToHost(out);
            for (int i = 0; i < n; i++) {
                assertEquals(x.get(i) + y.get(i), out.get(i), 0f, spec + " seed " + seed + " i " + i);
            }
            for (int i = 0; i < n; i++) {
                x.set(i, x.get(i) + 10f);
                y.set(i, y.get(i) - 100f);
            }
            plan.execute().transferToHost(out);
            for (int i = 0; i < n; i++) {
                float expectedX = hostMemory ? x.get(i) : firstX[i];
                assertEquals(expectedX + y.get(i), out.get(i), 0f, spec + " seed " + seed + " i " + i);
            }
            plan.freeDeviceMemory();
            plan.execute().transferToHost(out);
            assertEquals(x.get(7) + y.get(7), out.get(7), 0f, spec + ": after freeing, FIRST_EXECUTION copies again");
        }
    }

    /** Graph "produce" leaves out on the device; graph "consume" sums its rows there: one copy per array. */
    @ParameterizedTest
    @MethodSource("dev.loris.tornado.runtime.AcceleratorTest#specs")
    void graphsOfOnePlanShareDeviceCopies(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int rows = 10 + random.nextInt(10);
        int cols = 64 + random.nextInt(200);
        int n = rows * cols;
        FloatArray x = ExecTestKernels.randomFloats(random, n);
        FloatArray y = ExecTestKernels.randomFloats(random, n);
        FloatArray out = ExecTestKernels.poisoned(n);
        FloatArray sums = ExecTestKernels.poisoned(rows);
        TaskGraph produce = new TaskGraph("produce")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x, y)
                .task("axpy", ExampleKernels::axpy, new KernelContext(), 3f, x, y, out, n)
                .persistOnDevice(out);
        TaskGraph consume = new TaskGraph("consume")
                .consumeFromDevice("produce", out)
                .task("sum", RowReductions::rowSum, new KernelContext(), out, sums, cols)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sums);
        GridScheduler grids = grid("produce.axpy", roundUp(n, GROUP), GROUP);
        WorkerGrid sum = new WorkerGrid1D((long) rows * RowReductions.MAX_GROUP);
        sum.setLocalWork(RowReductions.MAX_GROUP, 1, 1);
        grids.setWorkerGrid("consume.sum", sum);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(produce.snapshot(), consume.snapshot())) {
            plan.withDevice(spec).withGridScheduler(grids);
            assertThrows(LorisException.class, () -> plan.withGraph(1).execute(),
                    "consuming before anything produced the array is an error");
            plan.withAllGraphs().execute().transferToHost(out);
        }
        ExecTestKernels.assertAxpy(3f, x, y, out, spec + " seed " + seed);
        ExecTestKernels.assertRowSums(out, sums, cols, spec + " seed " + seed);
    }

    @Test
    void aTaskWithoutAWorkerGridIsAnErrorThatSaysWhatToDo() {
        int n = 64;
        TaskGraph graph = new TaskGraph("s0")
                .task("t0", ExampleKernels::axpy, new KernelContext(), 1f, new FloatArray(n), new FloatArray(n),
                        new FloatArray(n), n);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(graph.snapshot())) {
            LorisException e = assertThrows(LorisException.class, () -> plan.withDevice("jvm").execute());
            assertTrue(e.getMessage().contains("s0.t0") && e.getMessage().contains("worker grid"), e.getMessage());
            assertTrue(e.hint().contains("@Parallel") && e.hint().contains("setWorkerGrid(\"s0.t0\""), e.hint());
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void anArgumentOfTheWrongTypeIsNamed() {
        TornadoFunctions.Task6 axpy = (TornadoFunctions.Task6<KernelContext, Float, FloatArray, FloatArray, FloatArray,
                Integer>) ExampleKernels::axpy;
        LorisException e = assertThrows(LorisException.class, () -> new TaskGraph("s0")
                .task("t0", axpy, new KernelContext(), 1f, new IntArray(4), new FloatArray(4), new FloatArray(4), 4));
        assertTrue(e.getMessage().contains("s0.t0 argument 2 is a IntArray") && e.getMessage().contains("FloatArray"),
                e.getMessage());
        LorisException scalar = assertThrows(LorisException.class, () -> new TaskGraph("s0")
                .task("t0", axpy, new KernelContext(), 1.0, new FloatArray(4), new FloatArray(4), new FloatArray(4),
                        4));
        assertTrue(scalar.getMessage().contains("argument 1 is a Double"), scalar.getMessage());
    }

    @Test
    void aLambdaInsteadOfAMethodReferenceIsRefused() {
        TornadoFunctions.Task6<KernelContext, Float, FloatArray, FloatArray, FloatArray, Integer> wrapped =
                (ctx, a, x, y, out, n) -> ExampleKernels.axpy(ctx, a, x, y, out, n);
        LorisException e = assertThrows(LorisException.class, () -> new TaskGraph("s0")
                .task("t0", wrapped, new KernelContext(), 1f, new FloatArray(4), new FloatArray(4), new FloatArray(4),
                        4));
        assertTrue(e.getMessage().contains("method reference"), e.getMessage());
    }

    @Test
    void anUnknownDeviceSpecListsWhatExists() {
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(new TaskGraph("s0").snapshot())) {
            LorisException e = assertThrows(LorisException.class, () -> plan.withDevice("tpu:3"));
            assertTrue(e.getMessage().contains("'tpu:3'"), e.getMessage());
            assertTrue(e.hint().contains("jvm") && e.hint().contains("cuda:N"), e.hint());
        }
        LorisException missing = assertThrows(LorisException.class, () -> Accelerator.open("opencl:99"));
        assertTrue(missing.getMessage().contains("opencl:99"), missing.getMessage());
    }

    @Test
    void transfersTakeLorisArraysAndKnownModesOnly() {
        TaskGraph graph = new TaskGraph("s0");
        assertThrows(LorisException.class, () -> graph.transferToDevice(DataTransferMode.FIRST_EXECUTION,
                (Object) new float[4]));
        assertThrows(LorisException.class, () -> graph.transferToHost(7, new FloatArray(4)));
        assertThrows(LorisException.class, () -> graph.transferToDevice(DataTransferMode.UNDER_DEMAND,
                new FloatArray(4)));
        assertThrows(LorisException.class, () -> new TaskGraph("a.b"));
    }

    @Test
    void theDefaultWorkGroupDividesTheGlobalSize() {
        assertEquals(256, PlanDevice.defaultLocal(new long[] {1 << 20})[0]);
        assertEquals(250, PlanDevice.defaultLocal(new long[] {1000})[0]);
        assertEquals(1, PlanDevice.defaultLocal(new long[] {257})[0]); // a prime: correct, if slow
        long[] local2d = PlanDevice.defaultLocal(new long[] {48, 100});
        assertEquals(16, local2d[0]);
        assertEquals(10, local2d[1]);
    }
}
