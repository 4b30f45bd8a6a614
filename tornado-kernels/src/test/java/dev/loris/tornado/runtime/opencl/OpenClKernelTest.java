package dev.loris.tornado.runtime.opencl;

import dev.loris.testing.RequiresOpenCl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-written kernels launched on the default OpenCL device and checked against Java. */
@RequiresOpenCl
class OpenClKernelTest {
    private static final long SEED = System.nanoTime();
    private static OpenClDevice device;
    private static OpenClProgram program;

    @BeforeAll
    static void buildKernels() {
        device = OpenClDevice.openDefault();
        program = device.build(TestKernels.SOURCE, "");
    }

    @AfterAll
    static void closeDevice() {
        device.close();
    }

    @Test
    void vectorAddMatchesJavaBitForBit() {
        Random random = new Random(SEED);
        int n = 1 + random.nextInt(20_000);
        float[] a = randomFloats(random, n);
        float[] b = randomFloats(random, n);
        float[] c = new float[n];
        Arrays.fill(c, Float.NaN);
        try (OpenClBuffer da = device.allocate(4L * n); OpenClBuffer db = device.allocate(4L * n);
             OpenClBuffer dc = device.allocate(4L * n); OpenClKernel add = program.kernel("vectorAdd")) {
            da.write(MemorySegment.ofArray(a));
            db.write(MemorySegment.ofArray(b));
            dc.write(MemorySegment.ofArray(c));
            add.setBuffer(0, da).setBuffer(1, db).setBuffer(2, dc).setInt(3, n);
            add.enqueue(new long[] {roundUp(n, 64)}, new long[] {64});
            dc.read(MemorySegment.ofArray(c));
        }
        // Float addition is correctly rounded on every OpenCL device, so the sums must agree exactly.
        for (int i = 0; i < n; i++) {
            assertEquals(a[i] + b[i], c[i], 0f, "element " + i + " of " + n + ", seed " + SEED);
        }
    }

    @Test
    void rowSumWithLocalMemoryAndBarriersMatchesJava() {
        Random random = new Random(SEED + 1);
        int rows = 1 + random.nextInt(200);
        int cols = 1 + random.nextInt(3000);
        int groupSize = 64;
        float[] matrix = randomFloats(random, rows * cols);
        float[] sums = new float[rows];
        Arrays.fill(sums, Float.NaN);
        try (OpenClBuffer dm = device.allocate(4L * matrix.length); OpenClBuffer ds = device.allocate(4L * rows);
             OpenClKernel rowSum = program.kernel("rowSum")) {
            dm.write(MemorySegment.ofArray(matrix));
            ds.write(MemorySegment.ofArray(sums));
            rowSum.setBuffer(0, dm).setBuffer(1, ds).setInt(2, cols).setLocalMemory(3, 4L * groupSize);
            try (OpenClEvent launch = rowSum.launch(new long[] {(long) rows * groupSize}, new long[] {groupSize})) {
                launch.waitFor();
            }
            ds.read(MemorySegment.ofArray(sums));
        }
        for (int r = 0; r < rows; r++) {
            double exact = 0;
            double magnitude = 0;
            for (int c = 0; c < cols; c++) {
                exact += matrix[r * cols + c];
                magnitude += Math.abs(matrix[r * cols + c]);
            }
            // Float sums in another order: error below (cols / groupSize + log2 groupSize) float epsilons of
            // the magnitude; 1e-5 of it is a comfortable bound for these sizes.
            assertEquals(exact, sums[r], 1e-5 * magnitude + 1e-30,
                    "row " + r + " of " + rows + "x" + cols + ", seed " + SEED);
        }
    }

    @Test
    void everyDimensionOfOneTwoAndThreeDimensionalLaunchesReachesTheKernel() {
        Random random = new Random(SEED + 2);
        for (int dimensions = 1; dimensions <= 3; dimensions++) {
            long[] global = new long[dimensions];
            for (int d = 0; d < dimensions; d++) {
                global[d] = 1 + random.nextInt(dimensions == 1 ? 5000 : dimensions == 2 ? 70 : 17);
            }
            checkIndexCube(global, random.nextLong() >> 8);
        }
    }

    private static void checkIndexCube(long[] global, long offset) {
        long nx = global[0];
        long ny = global.length > 1 ? global[1] : 1;
        long nz = global.length > 2 ? global[2] : 1;
        int count = (int) (nx * ny * nz);
        try (Arena arena = Arena.ofConfined(); OpenClBuffer out = device.allocate(8L * count);
             OpenClKernel cube = program.kernel("indexCube")) {
            out.fillBytes((byte) 0xFF);
            cube.setBuffer(0, out).setLong(1, offset).enqueue(global, null);
            MemorySegment host = arena.allocate(JAVA_LONG, count);
            out.read(host);
            for (long z = 0; z < nz; z++) {
                for (long y = 0; y < ny; y++) {
                    for (long x = 0; x < nx; x++) {
                        long index = (z * ny + y) * nx + x;
                        assertEquals(offset + x + 1000 * y + 1000000 * z, host.getAtIndex(JAVA_LONG, index),
                                "item " + x + "," + y + "," + z + " of " + Arrays.toString(global)
                                        + ", seed " + SEED);
                    }
                }
            }
        }
    }

    @Test
    void profilingReportsPositiveDeviceTime() {
        int items = 1 << 16;
        try (OpenClBuffer out = device.allocate(4L * items); OpenClKernel busy = program.kernel("busy")) {
            busy.setBuffer(0, out).setInt(1, 2000).setFloat(2, 0.5f);
            try (OpenClEvent launch = busy.launch(new long[] {items}, null)) {
                long elapsed = launch.elapsedNanos();
                assertTrue(elapsed > 0, "elapsed " + elapsed + " ns");
                assertTrue(launch.queuedToEndNanos() >= elapsed, "queued-to-end below elapsed");
            }
            // 2000 rounds of v = v/2 + 1 from any start converge to 2.
            float[] result = new float[items];
            out.read(MemorySegment.ofArray(result));
            assertEquals(2.0f, result[items - 1], 1e-6f);
        }
    }

    @Test
    void kernelReportsItsWorkGroupLimits() {
        try (OpenClKernel add = program.kernel("vectorAdd")) {
            assertTrue(add.maxWorkGroupSize() >= 1 && add.maxWorkGroupSize() <= device.maxWorkGroupSize(),
                    add.maxWorkGroupSize() + " vs device " + device.maxWorkGroupSize());
            assertTrue(add.preferredWorkGroupSizeMultiple() >= 1);
            assertTrue(add.privateMemBytes() >= 0 && add.localMemBytes() >= 0);
        }
    }

    @Test
    void aMissingKernelIsNamedWithTheOnesThatExist() {
        OpenClException e = assertThrows(OpenClException.class, () -> program.kernel("vectorSub"));
        assertTrue(e.getMessage().contains("'vectorSub'") && e.getMessage().contains("vectorAdd"), e.getMessage());
        assertEquals(OpenClErrors.CL_INVALID_KERNEL_NAME, e.code());
    }

    @Test
    void aWorkGroupLargerThanTheKernelAllowsIsReportedWithTheLimits() {
        try (OpenClBuffer out = device.allocate(4); OpenClKernel busy = program.kernel("busy")) {
            busy.setBuffer(0, out).setInt(1, 1).setFloat(2, 1f);
            long tooLarge = busy.maxWorkGroupSize() * 2;
            OpenClException e = assertThrows(OpenClException.class,
                    () -> busy.enqueue(new long[] {tooLarge}, new long[] {tooLarge}));
            assertTrue(e.getMessage().contains("kernel 'busy'")
                    && e.getMessage().contains("up to " + busy.maxWorkGroupSize()), e.getMessage());
        }
    }

    @Test
    void badLaunchShapesAndArgumentsAreRejected() {
        try (OpenClKernel add = program.kernel("vectorAdd")) {
            assertThrows(IllegalArgumentException.class, () -> add.enqueue(new long[] {1, 1, 1, 1}, null));
            assertThrows(IllegalArgumentException.class, () -> add.enqueue(new long[] {64}, new long[] {8, 8}));
            assertThrows(IllegalArgumentException.class, () -> add.enqueue(new long[] {0}, null));
            OpenClException e = assertThrows(OpenClException.class, () -> add.setInt(9, 1));
            assertTrue(e.getMessage().contains("argument 9") && e.getMessage().contains("CL_INVALID_ARG_INDEX"),
                    e.getMessage());
        }
    }

    static float[] randomFloats(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
