package dev.loris.tornado.compiler;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opencl.OpenClWarps;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * simd operations on devices against the JVM backend, bit for bit: every operation with per-lane deltas and
 * masks in and out of range, sums and maxima (whose order the JVM fixes as the shuffle tree 16, 8, 4, 2, 1),
 * loops and 2D groups. On PoCL this runs the local-memory lowering; on a GPU with 32-wide sub-groups the
 * sub-group one (a CUDA device, when present, runs the PTX). Then what each OpenCL lowering refuses.
 */
class SimdOnOpenClTest {
    static Stream<String> devices() {
        return Accelerator.available().stream().filter(spec -> !spec.equals("jvm"));
    }

    @ParameterizedTest
    @MethodSource("devices")
    @RequiresOpenCl
    void everyOperationMatchesTheJvmBitForBit(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int local = 32 << random.nextInt(4);
        int n = local * (1 + random.nextInt(8));
        IntArray deltas = new IntArray(n);
        IntArray masks = new IntArray(n);
        IntArray ints = new IntArray(n);
        for (int i = 0; i < n; i++) {
            deltas.set(i, random.nextInt(8) == 0 ? random.nextInt(80) - 20 : random.nextInt(32));
            masks.set(i, random.nextInt(8) == 0 ? random.nextInt(200) - 50 : random.nextInt(32));
            ints.set(i, random.nextInt());
        }
        Object[] args = {null, floats(random, n, 1e3f), ints, deltas, masks,
                new FloatArray((long) SimdKernels.FLOAT_RESULTS * n), new IntArray((long) SimdKernels.INT_RESULTS * n)};
        assertSameAsJvm(spec, "everyOperation", args, new long[] {n}, new int[] {local}, seed);
    }

    @ParameterizedTest
    @MethodSource("devices")
    @RequiresOpenCl
    void loopsOver2dGroupsMatchTheJvmBitForBit(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int width = 64 * (1 + random.nextInt(3));
        int height = 8 * (1 + random.nextInt(4));
        Object[] args = {null, floats(random, width * height, 10f), new FloatArray(width * height),
                1 + random.nextInt(6)};
        assertSameAsJvm(spec, "roundsIn2d", args, new long[] {width, height}, new int[] {8, 8}, seed);
    }

    @ParameterizedTest
    @MethodSource("devices")
    @RequiresOpenCl
    void theShuffleDownTreeMatchesTheJvmBitForBit(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 64 * (1 + random.nextInt(16));
        Object[] args = {null, floats(random, n, 1e6f), new FloatArray(n)};
        assertSameAsJvm(spec, "shuffleDownTree", args, new long[] {n}, new int[] {64}, seed);
    }

    /** Floats spread over many magnitudes, so that the order of a sum shows in its last bits. */
    private static FloatArray floats(Random random, int n, float scale) {
        FloatArray array = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            array.set(i, (random.nextFloat() - 0.5f) * scale * (float) Math.pow(10, random.nextInt(7) - 3));
        }
        return array;
    }

    /** Runs the kernel on the JVM and on {@code spec} from the same inputs (outputs poisoned) and compares bits. */
    private static void assertSameAsJvm(String spec, String kernel, Object[] args, long[] global, int[] local,
                                        long seed) {
        List<TornadoNativeArray> onJvm = run("jvm", kernel, args, global, local);
        List<TornadoNativeArray> onDevice = run(spec, kernel, args, global, local);
        for (int a = 0; a < onJvm.size(); a++) {
            TornadoNativeArray expected = onJvm.get(a);
            TornadoNativeArray actual = onDevice.get(a);
            for (long i = 0; i < expected.getNumBytesOfSegment() / 4; i++) {
                int want = expected.getSegment().getAtIndex(ValueLayout.JAVA_INT, i);
                int got = actual.getSegment().getAtIndex(ValueLayout.JAVA_INT, i);
                if (want != got) {
                    throw new AssertionError(kernel + " on " + spec + " (seed " + seed + "): array argument " + a
                            + " element " + i + " has bits " + Integer.toHexString(got) + ", the JVM "
                            + Integer.toHexString(want) + " (as float " + Float.intBitsToFloat(got) + " vs "
                            + Float.intBitsToFloat(want) + ")");
                }
            }
        }
    }

    /** The kernel's array arguments after one launch on {@code spec}, copied back; outputs start as NaN bits. */
    private static List<TornadoNativeArray> run(String spec, String kernel, Object[] args, long[] global,
                                                int[] local) {
        List<TornadoNativeArray> results = new ArrayList<>();
        List<DeviceArray> deviceArrays = new ArrayList<>();
        try (Accelerator acc = Accelerator.open(spec)) {
            Object[] deviceArgs = args.clone();
            for (int p = 0; p < args.length; p++) {
                if (args[p] instanceof TornadoNativeArray host) {
                    DeviceArray array = acc.upload(host);
                    deviceArrays.add(array);
                    deviceArgs[p] = array;
                }
            }
            for (DeviceArray array : deviceArrays.subList(inputCount(kernel), deviceArrays.size())) {
                array.poison();
            }
            acc.compile(SimdKernels.class, kernel, Map.of()).launcher().setArguments(deviceArgs)
                    .launch(global, toLongs(local), acc.defaultStream());
            for (int p = 0; p < args.length; p++) {
                if (args[p] instanceof TornadoNativeArray host) {
                    TornadoNativeArray copy = newLike(host);
                    ((DeviceArray) deviceArgs[p]).copyTo(copy);
                    results.add(copy);
                }
            }
            deviceArrays.forEach(DeviceArray::close);
        }
        return results;
    }

    private static int inputCount(String kernel) {
        return kernel.equals("everyOperation") ? 4 : 1;
    }

    private static TornadoNativeArray newLike(TornadoNativeArray host) {
        return host instanceof IntArray ? new IntArray(host.length()) : new FloatArray(host.length());
    }

    private static long[] toLongs(int[] sizes) {
        long[] longs = new long[sizes.length];
        for (int d = 0; d < sizes.length; d++) {
            longs[d] = sizes[d];
        }
        return longs;
    }

    private static Graph graph(String kernel) {
        return KernelCompiler.openClGraph(Accelerator.findKernel(SimdKernels.class, kernel), Map.of(), false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"underDataBranch", "inIdDependentLoop", "firstWarpOnly", "afterEarlyReturn"})
    void theLocalMemoryLoweringRefusesWhatOnlyPartOfAGroupReaches(String kernel) {
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> OpenClEmitter.emit(graph(kernel), false, OpenClWarps.localMemory(1024)));
        assertTrue(e.getMessage().contains(kernel + " (line "), e.getMessage());
        assertTrue(e.getMessage().contains("no cl_khr_subgroup_shuffle with 32-wide sub-groups"), e.getMessage());
        String withSubGroups = OpenClEmitter.emit(graph(kernel), false, OpenClWarps.subGroupShuffles(true, false));
        assertTrue(withSubGroups.contains("sub_group_shuffle_xor("), withSubGroups);
    }

    @ParameterizedTest
    @ValueSource(strings = {"everyOperation", "roundsIn2d", "shuffleDownTree", "underUniformBranch"})
    void theLocalMemoryLoweringTakesWhatTheWholeGroupReaches(String kernel) {
        String source = OpenClEmitter.emit(graph(kernel), false, OpenClWarps.localMemory(256));
        assertTrue(source.contains("__local uint loris_simd_scratch[256];"), source);
        assertTrue(!source.contains("sub_group") && !source.contains("#pragma OPENCL EXTENSION cl_khr_subgroup"),
                source);
    }

    @Test
    void withoutADeviceSimdOperationsDoNotCompile() {
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> OpenClEmitter.emit(graph("shuffleDownTree")));
        assertTrue(e.getMessage().contains("shuffleDownTree (line "), e.getMessage());
        assertTrue(e.getMessage().contains("OpenCL Accelerator"), e.getMessage());
    }

    /** Where the default OpenCL device has no sub-group shuffles (PoCL 3, NVIDIA), compiling says which line. */
    @Test
    @RequiresOpenCl
    void theAcceleratorRefusesWhatTheLocalMemoryLoweringCannotRun() {
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            Assumptions.assumeFalse(device.capabilities().supportsSubGroupShuffles(),
                    "the default OpenCL device has sub-group shuffles");
        }
        try (Accelerator acc = Accelerator.open("opencl")) {
            KernelCompileException e = assertThrows(KernelCompileException.class,
                    () -> acc.compile(SimdKernels.class, "firstWarpOnly", Map.of()));
            assertTrue(e.getMessage().contains("firstWarpOnly (line "), e.getMessage());
        }
    }
}
