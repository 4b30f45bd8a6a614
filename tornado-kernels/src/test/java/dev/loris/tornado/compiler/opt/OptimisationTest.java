package dev.loris.tornado.compiler.opt;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.runtime.opencl.OpenClBuffer;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClKernel;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the optimisation pipeline removes, and that folding keeps Java's results bit for bit. */
class OptimisationTest {
    private static final int[] INT_EDGES = {0, 1, -1, 2, 31, 32, 33, 64, Integer.MIN_VALUE, Integer.MAX_VALUE};
    private static final float[] FLOAT_EDGES = {0f, -0f, 1f, -1.5f, Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 3e9f, -3e9f, 0.49999997f};

    static Method kernel(String name) {
        return Arrays.stream(FoldingKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name))
                .findFirst().orElseThrow();
    }

    static List<Value> values(Graph graph, Op op) {
        List<Value> found = new ArrayList<>();
        for (Block b : graph.blocks) {
            b.values.stream().filter(v -> v.op == op).forEach(found::add);
            b.phis.stream().filter(v -> v.op == op).forEach(found::add);
        }
        return found;
    }

    @Test
    void specialisedArgumentsFoldTheBranchAndTheLoop() {
        Graph graph = KernelCompiler.graph(kernel("specialised"), Map.of(2, 1, 3, 4));
        assertEquals(1, graph.blocks.size(), graph.dump());
        List<Value> stores = values(graph, Op.STORE);
        assertEquals(1, stores.size(), graph.dump());
        Value stored = stores.getFirst().input(2);
        assertTrue(stored.isConst() && stored.constant.equals(0f + 0.5f + 1f + 1.5f), graph.dump());
    }

    @Test
    void commonIndexIsComputedOnceAndOutsideTheLoop() {
        Graph graph = KernelCompiler.graph(kernel("invariantAndCommon"), Map.of());
        List<Value> products = values(graph, Op.MUL).stream().filter(v -> v.type.isInteger()).toList();
        assertEquals(1, products.size(), graph.dump());
        Loops.Loop loop = Loops.find(graph, new Dominators(graph)).getFirst();
        assertFalse(loop.contains(products.getFirst()), "row * cols stays in the loop:\n" + graph.dump());
        assertEquals(1, values(graph, Op.ADD).stream().filter(v -> v.type.isInteger() && loop.contains(v)
                && v.inputs.stream().noneMatch(Value::isConst)).count(), graph.dump());
    }

    @Test
    void smallPureTernariesBecomeSelects() {
        Graph graph = KernelCompiler.graph(kernel("maskedScores"), Map.of());
        Value stored = values(graph, Op.STORE).getFirst().input(2);
        assertEquals(Op.SELECT, stored.op, graph.dump());
        assertTrue(values(graph, Op.PHI).stream().noneMatch(phi -> phi.type.isFloat()), graph.dump());
    }

    @Test
    void fullySpecialisedArithmeticLeavesOnlyConstantStores() {
        Graph graph = KernelCompiler.graph(kernel("arithmetic"), constants(new Random(1)));
        for (Block b : graph.blocks) {
            for (Value v : b.values) {
                assertTrue(switch (v.op) {
                    case CONST, PARAM, SPECIAL, CMP, STORE -> true;
                    default -> false;
                }, "not folded: " + v + "\n" + graph.dump());
            }
        }
    }

    @Test
    @RequiresOpenCl
    void foldedArithmeticMatchesJavaBitForBit() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            for (int round = 0; round < 6; round++) {
                Map<Integer, Object> constants = constants(random);
                Results java = Results.create();
                FoldingKernels.arithmetic(new KernelContext(), java.ints, java.longs, java.floats,
                        (int) constants.get(4), (int) constants.get(5), (long) constants.get(6),
                        (float) constants.get(7), (float) constants.get(8));
                for (boolean specialise : new boolean[] {true, false}) {
                    Results device1 = run(device, constants, specialise);
                    String where = "seed " + seed + " round " + round + " constants " + constants
                            + (specialise ? " specialised" : " not specialised");
                    assertArrayEquals(java.ints.toHeapArray(), device1.ints.toHeapArray(), where);
                    assertArrayEquals(java.longs.toHeapArray(), device1.longs.toHeapArray(), where);
                    assertArrayEquals(floatBits(java.floats), floatBits(device1.floats), where);
                }
            }
        }
    }

    private record Results(IntArray ints, LongArray longs, FloatArray floats) {
        static Results create() {
            return new Results(new IntArray(FoldingKernels.INT_RESULTS), new LongArray(FoldingKernels.LONG_RESULTS),
                    new FloatArray(FoldingKernels.FLOAT_RESULTS));
        }
    }

    private static int[] floatBits(FloatArray a) {
        int[] bits = new int[a.getSize()];
        for (int i = 0; i < bits.length; i++) {
            float f = a.get(i);
            bits[i] = Float.isNaN(f) ? 0x7fc00000 : Float.floatToRawIntBits(f); // NaN payloads may differ
        }
        return bits;
    }

    private static Results run(OpenClDevice device, Map<Integer, Object> constants, boolean specialise) {
        String source = OpenClEmitter.emit(KernelCompiler.graph(kernel("arithmetic"),
                specialise ? constants : Map.of()));
        Results out = Results.create();
        TornadoNativeArray[] arrays = {out.ints, out.longs, out.floats};
        List<OpenClBuffer> buffers = new ArrayList<>();
        try (OpenClKernel kernel = device.build(source, device.javaFloatOptions()).kernel(OpenClEmitter.entryName("arithmetic"))) {
            for (int i = 0; i < arrays.length; i++) {
                OpenClBuffer buffer = device.allocate(arrays[i].getNumBytesOfSegment());
                buffers.add(buffer);
                buffer.fillInt(0x7fc0dead);
                kernel.setBuffer(2 * i, buffer).setLong(2 * i + 1, arrays[i].length());
            }
            kernel.setInt(6, (int) constants.get(4)).setInt(7, (int) constants.get(5))
                    .setLong(8, (long) constants.get(6)).setFloat(9, (float) constants.get(7))
                    .setFloat(10, (float) constants.get(8));
            kernel.launch(new long[] {1}, new long[] {1}).waitFor();
            for (int i = 0; i < arrays.length; i++) {
                buffers.get(i).read(arrays[i].getSegment());
            }
        } finally {
            buffers.forEach(OpenClBuffer::close);
        }
        return out;
    }

    private static Map<Integer, Object> constants(Random random) {
        Map<Integer, Object> constants = new HashMap<>();
        constants.put(4, random.nextBoolean() ? INT_EDGES[random.nextInt(INT_EDGES.length)] : random.nextInt());
        constants.put(5, random.nextBoolean() ? INT_EDGES[random.nextInt(INT_EDGES.length)] : random.nextInt(70));
        constants.put(6, random.nextBoolean() ? Long.MIN_VALUE + random.nextInt(3) : random.nextLong());
        for (int p = 7; p <= 8; p++) {
            constants.put(p, random.nextBoolean() ? FLOAT_EDGES[random.nextInt(FLOAT_EDGES.length)]
                    : (random.nextFloat() - 0.5f) * (float) Math.pow(10, random.nextInt(20) - 10));
        }
        return constants;
    }
}
