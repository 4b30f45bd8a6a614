package dev.loris.tornado.gemm;

import dev.loris.testing.RequiresCuda;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;

import java.util.Random;

/**
 * What {@link GemmTest} does not reach for the tensor-core kernel, whose backend serves only CUDA: the
 * harness's cases on the JVM, where the tiles run as PortableTiles (the reference semantics of mma.sync,
 * ldmatrix and cp.async, async copies landing only at their wait), and on a GPU every case through mma.sync.
 *
 * <p>Not on PoCL: there the portable lowering exchanges each warp value through local memory between two
 * barriers, about 2,300 barriers per k slice of this kernel, and PoCL's work-group compiler did not finish
 * within 5 minutes. TileKernelsTest runs the same tile operations on PoCL in small kernels.
 */
class TensorCoreGemmTest {
    @Test
    void harnessCasesPassOnTheJvm() {
        long seed = System.nanoTime();
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new TensorCoreGemm(acc)) {
            GemmTest.checkAll(gemm, new Random(seed), seed,
                    new GemmType[][] {{GemmType.BF16, GemmType.BF16, GemmType.F32}});
        }
    }

    @Test
    void f16AndBf16OutputsAndTheBatchLoopOnTheJvm() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        try (Accelerator acc = Accelerator.open("jvm"); Gemm gemm = new TensorCoreGemm(acc, 2)) {
            GemmShape f16 = GemmShape.of(33, 40, 70, true, false, GemmType.F16, GemmType.F16, GemmType.F16);
            GemmTest.check(gemm, f16.batched(5), 0, random, seed, 0f);
            GemmShape bf16 = GemmShape.of(130, 20, 48, false, true, GemmType.BF16, GemmType.BF16, GemmType.BF16);
            GemmTest.check(gemm, bf16.withBias(), 0, random, seed, 1f, GemmType.F32);
        }
    }

    /** Every harness case through mma.sync, each type combination the decoder uses; GPU machine only. */
    @Test
    @RequiresCuda
    void harnessCasesPassOnCuda() {
        long seed = System.nanoTime();
        try (Accelerator acc = Accelerator.open("cuda"); Gemm gemm = new TensorCoreGemm(acc, 2)) {
            GemmTest.checkAll(gemm, new Random(seed), seed, new GemmType[][] {
                    {GemmType.BF16, GemmType.BF16, GemmType.BF16},
                    {GemmType.F16, GemmType.F16, GemmType.F16},
                    {GemmType.BF16, GemmType.BF16, GemmType.F32}});
            Random random = new Random(seed);
            GemmShape big = GemmShape.of(300, 520, 1000, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32);
            GemmTest.check(gemm, big.batched(5), 0, random, seed, 1f);
            GemmTest.check(gemm, GemmShape.of(257, 136, 333, true, false, GemmType.F16, GemmType.F16,
                    GemmType.BF16).withBias(), 0, random, seed, 0f, GemmType.F32);
        }
    }
}
