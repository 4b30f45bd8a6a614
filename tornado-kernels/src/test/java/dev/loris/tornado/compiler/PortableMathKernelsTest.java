package dev.loris.tornado.compiler;

import dev.loris.testing.Ptxas;
import dev.loris.testing.RequiresCuda;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.math.MathInputs;
import dev.loris.tornado.compiler.frontend.KernelFrontend;
import dev.loris.tornado.compiler.frontend.MathExpansion;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opt.SsaCleanup;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.cuda.CudaBuffer;
import dev.loris.tornado.runtime.cuda.CudaDevice;
import dev.loris.tornado.runtime.cuda.CudaModule;
import dev.loris.tornado.runtime.cuda.Dim3;
import dev.loris.tornado.runtime.cuda.KernelArgs;
import dev.loris.tornado.runtime.opencl.OpenClBuffer;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The transcendental functions through the compiler with MathExpansion: PTX that ptxas accepts for sm_80 and
 * sm_90 and that contains no approximate instruction unless fast-math asks for one, and OpenCL C (and PTX
 * where a GPU is present) run on a device whose results equal PortableMath's on the JVM bit for bit. Bit equality is the right bar: the
 * inlined code uses only IEEE add, multiply, fma, conversions and comparisons, which OpenCL (with
 * FP_CONTRACT off), PTX (.rn everywhere) and the JVM all perform exactly. NaNs are compared as NaN only, since devices need not
 * keep NaN payloads. A device that flushes subnormals to zero would differ on them and fail here, rightly.
 */
class PortableMathKernelsTest {
    private static final long SEED = System.nanoTime();
    private static final int ELEMENTS = 1 << 16;
    /** A built-in call in OpenCL C: the name of a math function directly followed by its parenthesis. */
    private static final Pattern BUILT_IN_CALL = Pattern.compile("\\b(exp|log|sin|cos|tanh|pow)\\(");

    static Graph graph(String function, Set<Op> expandInJava) {
        Method kernel = Arrays.stream(MathKernels.class.getDeclaredMethods())
                .filter(m -> m.getName().equals(kernelName(function))).findFirst().orElseThrow();
        Graph graph = KernelFrontend.build(kernel, Map.of(), expandInJava);
        SsaCleanup.run(graph);
        return graph;
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "log", "sin", "cos", "tanh", "pow"})
    void accuratePtxHasNoApproximateInstructionAndAssembles(String function) {
        String ptx = PtxEmitter.emit(graph(function, MathExpansion.forPtx(false)), PtxEmitter.Options.DEFAULT);
        assertFalse(ptx.contains(".approx"), () -> function + " compiled to an approximate instruction:\n" + ptx);
        assemble(ptx);
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "log", "sin", "cos", "tanh", "pow"})
    void fastMathPtxUsesTheHardwareApproximationsExceptForPow(String function) {
        String ptx = PtxEmitter.emit(graph(function, MathExpansion.forPtx(true)), new PtxEmitter.Options("sm_80", true));
        boolean approximate = ptx.contains(".approx");
        assertEquals(!function.equals("pow"), approximate, () -> function + " with fast-math:\n" + ptx);
        assemble(ptx);
    }

    @Test
    void anUnexpandedLogIsRefusedByAccuratePtxWithTheFix() {
        Graph graph = graph("log", Set.of());
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> PtxEmitter.emit(graph, PtxEmitter.Options.DEFAULT));
        assertTrue(e.getMessage().contains("MathExpansion.forPtx(false)"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "log", "sin", "cos", "tanh", "pow"})
    @RequiresOpenCl
    void openClResultsEqualPortableMathOnTheJvmBitForBit(String function) {
        String source = OpenClEmitter.emit(graph(function, MathExpansion.forOpenCl(false)));
        assertFalse(BUILT_IN_CALL.matcher(source).find(), () -> "a built-in call is left in:\n" + source);
        float[][] xy = inputs(function);
        assertSameBitsAsJvm(function, xy, runOnOpenCl(source, function, xy[0], xy[1]));
    }

    @ParameterizedTest
    @ValueSource(strings = {"exp", "log", "sin", "cos", "tanh", "pow"})
    @RequiresCuda
    void cudaResultsEqualPortableMathOnTheJvmBitForBit(String function) {
        float[][] xy = inputs(function);
        assertSameBitsAsJvm(function, xy, runOnCuda(function, xy[0], xy[1]));
    }

    /** {x, y} arguments for the function (y only matters for pow). */
    private static float[][] inputs(String function) {
        Random random = new Random(SEED ^ function.hashCode());
        float[] x = new float[ELEMENTS];
        float[] y = new float[ELEMENTS];
        if (function.equals("pow")) {
            float[] pairs = MathInputs.powPairs(random, ELEMENTS);
            for (int i = 0; i < ELEMENTS; i++) {
                x[i] = pairs[2 * i];
                y[i] = pairs[2 * i + 1];
            }
        } else {
            x = MathInputs.unary(function, random, ELEMENTS);
        }
        return new float[][] {x, y};
    }

    private static void assertSameBitsAsJvm(String function, float[][] xy, float[] device) {
        float[] x = xy[0];
        float[] y = xy[1];
        for (int i = 0; i < ELEMENTS; i++) {
            float expected = MathInputs.portable(function, x[i], y[i]);
            boolean same = Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(device[i])
                    || Float.isNaN(expected) && Float.isNaN(device[i]);
            if (!same) {
                fail(function + "(" + Float.toHexString(x[i]) + (function.equals("pow") ? ", " + Float.toHexString(y[i]) : "")
                        + "): device " + Float.toHexString(device[i]) + ", PortableMath " + Float.toHexString(expected)
                        + " (element " + i + "); seed " + SEED);
            }
        }
    }

    /** Fast-math OpenCL: native_* built-ins, whose accuracy is the device's; checked loosely on easy inputs. */
    @Test
    @RequiresOpenCl
    void fastMathOpenClUsesNativeFunctions() {
        Random random = new Random(SEED);
        float[] x = new float[ELEMENTS];
        for (int i = 0; i < ELEMENTS; i++) {
            x[i] = random.nextFloat() * 6 - 3;
        }
        for (String function : new String[] {"exp", "sin"}) {
            String source = OpenClEmitter.emit(graph(function, MathExpansion.forOpenCl(true)), true);
            assertTrue(source.contains("native_" + function + "("), source);
            float[] device = runOnOpenCl(source, function, x, new float[ELEMENTS]);
            for (int i = 0; i < ELEMENTS; i++) {
                float expected = MathInputs.portable(function, x[i], 0f);
                assertEquals(expected, device[i], 1e-3f * Math.max(1f, Math.abs(expected)),
                        function + "(" + x[i] + "); seed " + SEED);
            }
        }
    }

    private static String kernelName(String function) {
        return "apply" + Character.toUpperCase(function.charAt(0)) + function.substring(1);
    }

    private static void assemble(String ptx) {
        Ptxas.assertAssembles(ptx, "sm_80");
        Ptxas.assertAssembles(ptx.replace(".target sm_80", ".target sm_90"), "sm_90");
    }

    /** Compiles for the GPU's architecture and launches over x and y, the output poisoned as below. */
    private static float[] runOnCuda(String function, float[] x, float[] y) {
        int n = x.length;
        float[] out = new float[n];
        try (CudaDevice device = CudaDevice.open(0); Arena arena = Arena.ofConfined()) {
            String target = "sm_" + device.computeCapabilityMajor() + device.computeCapabilityMinor();
            String ptx = PtxEmitter.emit(graph(function, MathExpansion.forPtx(false)), new PtxEmitter.Options(target, false));
            MemorySegment hostX = arena.allocate(4L * n, 64).copyFrom(MemorySegment.ofArray(x));
            MemorySegment hostY = arena.allocate(4L * n, 64).copyFrom(MemorySegment.ofArray(y));
            MemorySegment hostOut = arena.allocate(4L * n, 64);
            try (CudaBuffer bx = device.allocate(4L * n); CudaBuffer by = device.allocate(4L * n);
                 CudaBuffer bout = device.allocate(4L * n); CudaModule module = device.load(ptx)) {
                bx.copyFrom(hostX);
                by.copyFrom(hostY);
                bout.fillInts(0x7F7FDEAD);
                module.function(kernelName(function)).launch(Dim3.of(n / 64), Dim3.of(64), 0, device.defaultStream(),
                        KernelArgs.create().pointer(bx).i64(n).pointer(by).i64(n).pointer(bout).i64(n).i32(n));
                bout.copyTo(hostOut);
            }
            MemorySegment.ofArray(out).copyFrom(hostOut);
        }
        return out;
    }

    /** Launches the kernel over x and y; the output starts poisoned (a finite value no test input yields). */
    private static float[] runOnOpenCl(String source, String function, float[] x, float[] y) {
        int n = x.length;
        float[] out = new float[n];
        try (OpenClDevice device = OpenClDevice.openDefault(); OpenClBuffer bx = device.allocate(4L * n);
             OpenClBuffer by = device.allocate(4L * n); OpenClBuffer bout = device.allocate(4L * n);
             OpenClKernel kernel = device.build(source, "").kernel(OpenClEmitter.entryName(kernelName(function)))) {
            bx.write(MemorySegment.ofArray(x));
            by.write(MemorySegment.ofArray(y));
            bout.fillInt(0x7F7FDEAD);
            kernel.setBuffer(0, bx).setLong(1, n).setBuffer(2, by).setLong(3, n).setBuffer(4, bout).setLong(5, n)
                    .setInt(6, n);
            kernel.launch(new long[] {n}, new long[] {64}).waitFor();
            bout.read(MemorySegment.ofArray(out));
        }
        return out;
    }
}
