package dev.loris.tornado.compiler;

import dev.loris.testing.Ptxas;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.kernels.RowReductions;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.opencl.OpenClBuffer;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClKernel;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end through the compiler: Java kernel -> SSA -> PTX assembled by ptxas, and OpenCL C run on a device. */
class CompilerSmokeTest {
    /** The reduction with local memory and barriers in a loop that these tests compile: main's, not a copy. */
    static final Method ROW_SUM = Accelerator.findKernel(RowReductions.class, "rowSum");

    static Graph graph(Method kernel, Map<Integer, Object> constants) {
        return KernelCompiler.graph(kernel, constants);
    }

    static String ptx(Method kernel, Map<Integer, Object> constants) {
        return KernelCompiler.ptx(kernel, constants, PtxEmitter.Options.DEFAULT);
    }

    /** The kernel {@code name} of {@link SampleKernels}. */
    static Method sample(String name) {
        return Accelerator.findKernel(SampleKernels.class, name);
    }

    @Test
    void everySampleAssemblesWithPtxasForSm80AndSm90() {
        for (Method kernel : List.of(sample("axpy"), sample("controlFlow"), ROW_SUM, sample("swiglu"))) {
            String ptx = ptx(kernel, Map.of());
            Ptxas.assertAssembles(ptx, "sm_80");
            Ptxas.assertAssembles(ptx.replace(".target sm_80", ".target sm_90"), "sm_90");
        }
    }

    @Test
    void allocationIsACompileErrorNamingTheLine() {
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> graph(sample("allocates"), Map.of()));
        assertTrue(e.getMessage().contains("SampleKernels.allocates (line "), e.getMessage());
        assertTrue(e.getMessage().contains("allocation"), e.getMessage());
    }

    @Test
    @RequiresOpenCl
    void axpyOnOpenClMatchesJava() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 1000 + random.nextInt(1000);
        float a = random.nextFloat() * 4 - 2;
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() * 2 - 1;
            y[i] = random.nextFloat() * 2 - 1;
        }
        String source = OpenClEmitter.emit(graph(sample("axpy"), Map.of()));
        try (OpenClDevice device = OpenClDevice.openDefault(); Arena arena = Arena.ofConfined();
             OpenClBuffer bx = device.allocate(4L * n); OpenClBuffer by = device.allocate(4L * n)) {
            bx.write(MemorySegment.ofArray(x));
            by.write(MemorySegment.ofArray(y));
            OpenClKernel kernel = device.build(source, device.javaFloatOptions()).kernel(OpenClEmitter.entryName("axpy"));
            kernel.setBuffer(0, bx).setLong(1, n).setBuffer(2, by).setLong(3, n).setFloat(4, a).setInt(5, n);
            kernel.launch(new long[] {((n + 63) / 64) * 64L}, new long[] {64}).waitFor();
            MemorySegment result = arena.allocate(4L * n);
            by.read(result);
            for (int i = 0; i < n; i++) {
                float expected = a * x[i] + y[i];
                assertEquals(expected, result.getAtIndex(ValueLayout.JAVA_FLOAT, i), 0f, "seed " + seed + " i " + i);
            }
            kernel.close();
        }
    }

    @Test
    @RequiresOpenCl
    void controlFlowOnOpenClMatchesJava() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 100 + random.nextInt(100);
        int width = 17;
        int[] in = new int[n * width];
        for (int i = 0; i < in.length; i++) {
            in[i] = random.nextInt(5) == 0 ? 0 : random.nextInt(100) == 0 ? -5000 : random.nextInt(4001) - 2000;
        }
        String source = OpenClEmitter.emit(graph(sample("controlFlow"), Map.of()));
        try (OpenClDevice device = OpenClDevice.openDefault(); Arena arena = Arena.ofConfined();
             OpenClBuffer bin = device.allocate(4L * in.length); OpenClBuffer bout = device.allocate(4L * n)) {
            bin.write(MemorySegment.ofArray(in));
            bout.fillInt(0x7fc0dead);
            OpenClKernel kernel = device.build(source, device.javaFloatOptions()).kernel(OpenClEmitter.entryName("controlFlow"));
            kernel.setBuffer(0, bin).setLong(1, in.length).setBuffer(2, bout).setLong(3, n).setInt(4, n).setInt(5, width);
            kernel.launch(new long[] {((n + 31) / 32) * 32L}, new long[] {32}).waitFor();
            MemorySegment result = arena.allocate(4L * n);
            bout.read(result);
            for (int row = 0; row < n; row++) {
                assertEquals(SampleKernels.controlFlowReference(in, row, width),
                        result.getAtIndex(ValueLayout.JAVA_INT, row), "seed " + seed + " row " + row);
            }
            kernel.close();
        }
    }
}
