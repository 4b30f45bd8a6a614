package dev.loris.tornado.compiler;

import dev.loris.testing.RequiresCuda;
import dev.loris.tornado.runtime.cuda.CudaBuffer;
import dev.loris.tornado.runtime.cuda.CudaDevice;
import dev.loris.tornado.runtime.cuda.CudaModule;
import dev.loris.tornado.runtime.cuda.Dim3;
import dev.loris.tornado.runtime.cuda.KernelArgs;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Random;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ring 3: the sample kernels compiled to PTX, loaded by the CUDA driver and checked against plain Java. */
@RequiresCuda
class CompiledKernelsOnCudaTest {
    private static final long SEED = System.nanoTime();

    private static CudaModule load(CudaDevice device, String sample) {
        return load(device, CompilerSmokeTest.sample(sample));
    }

    private static CudaModule load(CudaDevice device, Method kernel) {
        String target = "sm_" + device.computeCapabilityMajor() + device.computeCapabilityMinor();
        return device.load(CompilerSmokeTest.ptx(kernel, Map.of()).replace(".target sm_80", ".target " + target));
    }

    private static MemorySegment randomFloats(Arena arena, Random random, int n, float scale) {
        MemorySegment s = arena.allocate(4L * n, 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(JAVA_FLOAT, i, (random.nextFloat() * 2 - 1) * scale);
        }
        return s;
    }

    private static CudaBuffer upload(CudaDevice device, MemorySegment host) {
        CudaBuffer buffer = device.allocate(host.byteSize());
        buffer.copyFrom(host);
        return buffer;
    }

    @Test
    void axpyAndSwigluMatchJava() {
        Random random = new Random(SEED);
        int n = 100_000 + random.nextInt(1000);
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined()) {
            MemorySegment x = randomFloats(arena, random, n, 1);
            MemorySegment y = randomFloats(arena, random, n, 1);
            MemorySegment g = randomFloats(arena, random, n, 20);
            float a = random.nextFloat();
            try (CudaBuffer bx = upload(device, x); CudaBuffer by = upload(device, y); CudaBuffer bg = upload(device, g);
                 CudaBuffer out = device.allocate(4L * n); CudaModule axpy = load(device, "axpy");
                 CudaModule swiglu = load(device, "swiglu")) {
                Dim3 grid = Dim3.of((n + 255) / 256);
                axpy.function("axpy").launch(grid, Dim3.of(256), 0, device.defaultStream(),
                        KernelArgs.create().pointer(bx).i64(n).pointer(by).i64(n).f32(a).i32(n));
                MemorySegment result = arena.allocate(4L * n);
                by.copyTo(result);
                for (int i = 0; i < n; i++) {
                    float expected = a * x.getAtIndex(JAVA_FLOAT, i) + y.getAtIndex(JAVA_FLOAT, i);
                    assertEquals(expected, result.getAtIndex(JAVA_FLOAT, i), 0f, "axpy seed " + SEED + " i " + i);
                }
                out.copyFrom(arena.allocate(4L * n).fill((byte) 0xFF)); // NaN poison
                swiglu.function("swiglu").launch(grid, Dim3.of(256), 0, device.defaultStream(),
                        KernelArgs.create().pointer(bg).i64(n).pointer(bx).i64(n).pointer(out).i64(n).i32(n));
                out.copyTo(result);
                for (int i = 0; i < n; i++) {
                    float gate = g.getAtIndex(JAVA_FLOAT, i);
                    float expected = SampleKernels.silu(gate) * x.getAtIndex(JAVA_FLOAT, i);
                    float actual = result.getAtIndex(JAVA_FLOAT, i);
                    // exp within 3 ulp, then a division and a product: 6 ulp of the result.
                    assertTrue(Math.abs(actual - expected) <= 6 * Math.ulp(expected),
                            "swiglu seed " + SEED + " i " + i + ": " + actual + " vs " + expected);
                }
            }
        }
    }

    @Test
    void controlFlowAndRowSumMatchJava() {
        Random random = new Random(SEED + 1);
        int rows = 300;
        int width = 17;
        int cols = 1000 + random.nextInt(100);
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(4L * rows * width, 64);
            int[] heap = new int[rows * width];
            for (int i = 0; i < heap.length; i++) {
                heap[i] = random.nextInt(5) == 0 ? 0 : random.nextInt(100) == 0 ? -5000 : random.nextInt(4001) - 2000;
                in.setAtIndex(JAVA_INT, i, heap[i]);
            }
            MemorySegment x = randomFloats(arena, random, rows * cols, 1);
            try (CudaBuffer bin = upload(device, in); CudaBuffer bout = device.allocate(4L * rows);
                 CudaBuffer bx = upload(device, x); CudaBuffer sums = device.allocate(4L * rows);
                 CudaModule control = load(device, "controlFlow");
                 CudaModule rowSum = load(device, CompilerSmokeTest.ROW_SUM)) {
                control.function("controlFlow").launch(Dim3.of((rows + 63) / 64), Dim3.of(64), 0,
                        device.defaultStream(), KernelArgs.create().pointer(bin).i64(heap.length).pointer(bout)
                                .i64(rows).i32(rows).i32(width));
                MemorySegment result = arena.allocate(4L * rows);
                bout.copyTo(result);
                for (int r = 0; r < rows; r++) {
                    assertEquals(SampleKernels.controlFlowReference(heap, r, width), result.getAtIndex(JAVA_INT, r),
                            "controlFlow seed " + SEED + " row " + r);
                }
                rowSum.function("rowSum").launch(Dim3.of(rows), Dim3.of(64), 0, device.defaultStream(),
                        KernelArgs.create().pointer(bx).i64((long) rows * cols).pointer(sums).i64(rows).i32(cols));
                sums.copyTo(result);
                for (int r = 0; r < rows; r++) {
                    double expected = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        expected += x.getAtIndex(JAVA_FLOAT, (long) r * cols + c);
                        magnitude += Math.abs(x.getAtIndex(JAVA_FLOAT, (long) r * cols + c));
                    }
                    assertEquals(expected, result.getAtIndex(JAVA_FLOAT, r), 1e-5 * magnitude,
                            "rowSum seed " + SEED + " row " + r);
                }
            }
        }
    }
}
