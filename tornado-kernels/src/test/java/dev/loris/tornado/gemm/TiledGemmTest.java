package dev.loris.tornado.gemm;

import dev.loris.testing.SteadyStateAllocation;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link GemmTest} does not reach for the tiled kernel: all of its cases on the JVM (which the backend
 * does not offer, but where the kernel runs as plain Java and so checks its own logic apart from any
 * compiler), operand types that differ from each other, an f32 bias on a 16-bit C, the batch loop past the
 * grid's z extent, the backend's choice of accelerators, and allocation-free steady-state calls.
 */
class TiledGemmTest {
    static Stream<String> specs() {
        return Accelerator.available().stream();
    }

    @Test
    void harnessCasesPassOnTheJvm() {
        long seed = System.nanoTime();
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new TiledGemm(acc)) {
            // bf16 inputs with an f32 result only: the other precisions run on devices, and each JVM case is slow.
            GemmTest.checkAll(gemm, new Random(seed), seed,
                    new GemmType[][] {{GemmType.BF16, GemmType.BF16, GemmType.F32}});
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void mixedTypesAndF32Bias(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        GemmType[][] mixed = {
                {GemmType.F16, GemmType.BF16, GemmType.F32},
                {GemmType.F32, GemmType.F16, GemmType.BF16},
                {GemmType.BF16, GemmType.F32, GemmType.F16},
        };
        try (Accelerator acc = Accelerator.open(spec); Gemm gemm = new TiledGemm(acc)) {
            // One compiled variant per combination (each costs PoCL a second or two cold); GemmTest covers
            // every transpose with equal types, so here they vary across the combinations.
            for (int i = 0; i < mixed.length; i++) {
                GemmType[] types = mixed[i];
                GemmShape shape = GemmShape.of(70, 65, 33, i == 1, i == 2, types[0], types[1], types[2]).withBias();
                GemmTest.check(gemm, shape, 3, random, seed, 0f, GemmType.F32);
                GemmTest.check(gemm, shape, 0, random, seed, 0.25f, GemmType.F32);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void batchesBeyondTheGridLoop(String spec) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (Accelerator acc = Accelerator.open(spec); Gemm gemm = new TiledGemm(acc, 2)) {
            GemmShape shape = GemmShape.of(20, 70, 9, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32);
            GemmTest.check(gemm, shape.batched(5), 0, random, seed, 0f);
            GemmTest.check(gemm, shape.batched(5).withStrides(0, 9 * 70 + 1, 20 * 70 + 7), 0, random, seed, 1f);
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void servesCudaAndOpenClButNotTheJvm(String spec) {
        try (Accelerator acc = Accelerator.open(spec)) {
            String reason = new TiledGemmBackend().unavailableReason(acc);
            if (acc.backend() == Accelerator.Backend.JVM) {
                assertNotNull(reason, "the JVM has the Vector API backend");
            } else {
                assertNull(reason, spec);
                assertFalse(Gemms.unavailable(acc).containsKey("tiled"), "tiled is registered in Gemms");
            }
        }
    }

    /** Steady-state calls allocate nothing on the Java heap: a training step makes hundreds of them. */
    @ParameterizedTest
    @MethodSource("specs")
    void steadyStateCallsAllocateNothing(String spec) {
        Assumptions.assumeFalse(spec.equals("jvm"), "JVM launches start virtual threads: they allocate by design");
        int calls = 200;
        GemmShape shape = GemmShape.of(8, 8, 8, false, true, GemmType.BF16, GemmType.BF16, GemmType.BF16).withBias();
        try (Accelerator acc = Accelerator.open(spec); Gemm gemm = new TiledGemm(acc);
             DeviceArray a = acc.allocate(GemmType.BF16.arrayType, shape.extentA());
             DeviceArray b = acc.allocate(GemmType.BF16.arrayType, shape.extentB());
             DeviceArray c = acc.allocate(GemmType.BF16.arrayType, shape.extentC());
             DeviceArray bias = acc.allocate(GemmType.BF16.arrayType, shape.n())) {
            a.fillBytes((byte) 0);
            b.fillBytes((byte) 0);
            bias.fillBytes((byte) 0);
            long allocated = SteadyStateAllocation.lastRoundBytes(acc, calls,
                    i -> gemm.multiply(shape, i, a, 0, b, 0, 0f, c, 0, bias, acc.defaultStream()));
            // Below a byte per call: a JIT recompilation may allocate once in a round, as in LaunchAllocationTest.
            assertTrue(allocated < calls, spec + ": " + allocated + " bytes allocated over " + calls + " GEMM calls");
        }
    }
}
