package dev.loris.tornado.compiler;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.api.types.arrays.LongArray;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Op;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Static final primitive arrays read by kernels: every element type bit for bit on every accelerator here
 * (the JVM reads the Java arrays, devices their compile-time copies), PTX that ptxas assembles, constant
 * indices folded, the snapshot semantics, and the misuses refused with the kernel's class, method and line.
 */
class ConstantTablesTest {
    static Stream<String> specs() {
        return Accelerator.available().stream();
    }

    @ParameterizedTest
    @MethodSource("specs")
    void everyElementTypeReadsItsExactBits(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 200 + random.nextInt(800);
        IntArray indices = new IntArray(n);
        for (int i = 0; i < n; i++) {
            indices.set(i, random.nextInt(Integer.MAX_VALUE));
        }
        LongArray out = new LongArray((long) TableKernels.TYPES * n);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray din = acc.upload(indices);
             DeviceArray dout = acc.allocate(LongArray.class, out.getSize())) {
            dout.poison();
            acc.compile(TableKernels.class, "readEveryType", Map.of()).launcher()
                    .setArguments(null, din, dout, n).launch((n + 63) / 64 * 64L, 64, acc.defaultStream());
            dout.copyTo(out);
        }
        for (int i = 0; i < n; i++) {
            long[] expected = expectedReads(indices.get(i));
            for (int t = 0; t < TableKernels.TYPES; t++) {
                assertEquals(expected[t], out.get((long) TableKernels.TYPES * i + t),
                        spec + " seed " + seed + " work-item " + i + " table " + t);
            }
        }
    }

    /** What readEveryType writes for index k, straight from the Java arrays. */
    private static long[] expectedReads(int k) {
        return new long[] {
                Float.floatToRawIntBits(TableKernels.FLOATS[k % TableKernels.FLOATS.length]),
                Double.doubleToRawLongBits(TableKernels.DOUBLES[k % TableKernels.DOUBLES.length]),
                TableKernels.INTS[k % TableKernels.INTS.length],
                TableKernels.LONGS[k % TableKernels.LONGS.length],
                TableKernels.SHORTS[k % TableKernels.SHORTS.length],
                TableKernels.CHARS[k % TableKernels.CHARS.length],
                TableKernels.BYTES[k % TableKernels.BYTES.length],
                TableKernels.FLAGS[k % TableKernels.FLAGS.length] ? 1 : 0};
    }

    @ParameterizedTest
    @MethodSource("specs")
    void aTablePassedToAHelperAndLoopedOverMatchesJava(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 64 * (1 + random.nextInt(16));
        FloatArray x = new FloatArray(n);
        for (int i = 0; i < n; i++) {
            x.set(i, random.nextFloat() * 200 - 100);
        }
        FloatArray out = new FloatArray(n);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray dx = acc.upload(x);
             DeviceArray dout = acc.allocate(FloatArray.class, n)) {
            dout.poison();
            acc.compile(TableKernels.class, "weightedSum", Map.of()).launcher().setArguments(null, dx, dout)
                    .launch(n, 64, acc.defaultStream());
            dout.copyTo(out);
        }
        for (int i = 0; i < n; i++) {
            float expected = 0f;
            for (float w : TableKernels.FLOATS_FINITE) {
                expected += w * x.get(i);
            }
            assertEquals(expected, out.get(i), 0f, spec + " seed " + seed + " element " + i);
        }
    }

    /** Every table of readEveryType stays a table (its indices are data); weightedSum's loop unrolls and folds. */
    @ParameterizedTest
    @ValueSource(strings = {"readEveryType", "weightedSum"})
    void tablesAssembleWithPtxasForSm80AndSm90(String kernel) {
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            String ptx = KernelCompiler.ptx(Accelerator.findKernel(TableKernels.class, kernel), Map.of(),
                    new PtxEmitter.Options(arch, false));
            boolean tables = kernel.equals("readEveryType");
            assertEquals(tables ? 8 : 0, ptx.split("\\.global \\.align \\d \\.b\\d+ loris_const_", -1).length - 1, ptx);
            assertEquals(tables, ptx.contains("ld.global.nc.f32"), ptx);
            Ptxas.assertAssembles(ptx, arch);
        }
    }

    @Test
    void constantIndicesAndTheLengthFoldAway() {
        var graph = KernelCompiler.graph(Accelerator.findKernel(TableKernels.class, "foldedReads"), Map.of());
        for (Block b : graph.blocks) {
            assertTrue(b.values.stream().noneMatch(v -> v.op == Op.TABLE || v.op == Op.LOAD), graph.dump());
        }
        String ptx = KernelCompiler.ptx(Accelerator.findKernel(TableKernels.class, "foldedReads"), Map.of(),
                PtxEmitter.Options.DEFAULT);
        assertTrue(ptx.contains(String.format("0f%08X", Float.floatToRawIntBits(34f))), ptx);
        assertFalse(ptx.contains("loris_const_"), ptx);
    }

    @ParameterizedTest
    @MethodSource("specs")
    void devicesKeepTheSnapshotTakenAtCompileTimeAndTheJvmReadsTheArray(String spec) {
        FloatArray before = new FloatArray(32);
        FloatArray after = new FloatArray(32);
        try (Accelerator acc = Accelerator.open(spec); DeviceArray dout = acc.allocate(FloatArray.class, 32)) {
            var kernel = acc.compile(TableKernels.class, "readSnapshot", Map.of());
            dout.poison();
            kernel.launcher().setArguments(null, dout).launch(32, 32, acc.defaultStream());
            dout.copyTo(before);
            TableKernels.SNAPSHOTTED[0] = 2f;
            try {
                dout.poison();
                acc.compile(TableKernels.class, "readSnapshot", Map.of()).launcher().setArguments(null, dout)
                        .launch(32, 32, acc.defaultStream());
                dout.copyTo(after);
            } finally {
                TableKernels.SNAPSHOTTED[0] = 1f;
            }
            float seenAfterTheWrite = acc.backend() == Accelerator.Backend.JVM ? 2f : 1f;
            for (int i = 0; i < 32; i++) {
                assertEquals(1f, before.get(i), 0f, spec + " element " + i);
                assertEquals(seenAfterTheWrite, after.get(i), 0f, spec + " element " + i + " after the write");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"writesTable", "atomicOnTable", "readsNonFinal", "readsTooLarge"})
    void misusesAreCompileErrorsNamingTheLine(String kernel) {
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> KernelCompiler.graph(Accelerator.findKernel(TableKernels.class, kernel), Map.of()));
        assertTrue(e.getMessage().contains("TableKernels." + kernel + " (line "), e.getMessage());
        String expected = switch (kernel) {
            case "writesTable" -> "writing to the static final array dev.loris.tornado.compiler.TableKernels.FLOATS";
            case "atomicOnTable" -> "writing to the static final array dev.loris.tornado.compiler.TableKernels.INTS";
            case "readsNonFinal" -> "non-final static field notFinal";
            default -> "hold 65537 bytes with dev.loris.tornado.compiler.TableKernels.TOO_LARGE";
        };
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
