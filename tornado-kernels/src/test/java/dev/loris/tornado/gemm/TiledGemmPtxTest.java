package dev.loris.tornado.gemm;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled GEMM's PTX, compiled as a CUDA accelerator compiles it (division checks included), assembles
 * with ptxas for sm_80 (A100) and sm_90 (H100) without spilling registers: every equal-type variant with each
 * transpose, and mixed types with each bias type. A spill would put the accumulators in local memory, the
 * first thing to look at if the kernel got slow, so it fails here rather than in a benchmark.
 */
class TiledGemmPtxTest {
    static Stream<Object[]> variants() {
        List<Object[]> variants = new ArrayList<>();
        for (GemmType type : GemmType.values()) {
            for (int t = 0; t < 4; t++) {
                variants.add(new Object[] {GemmShape.of(64, 64, 64, (t & 1) != 0, (t & 2) != 0, type, type, type),
                        TiledGemmKernels.NO_BIAS});
            }
        }
        variants.add(new Object[] {GemmShape.of(64, 64, 64, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32),
                GemmType.F32.ordinal()});
        variants.add(new Object[] {GemmShape.of(64, 64, 64, true, false, GemmType.F16, GemmType.BF16, GemmType.BF16),
                GemmType.BF16.ordinal()});
        variants.add(new Object[] {GemmShape.of(64, 64, 64, false, false, GemmType.F32, GemmType.F16, GemmType.F16),
                GemmType.F32.ordinal()});
        return variants.stream();
    }

    @ParameterizedTest(name = "{0}, bias type {1}")
    @MethodSource("variants")
    void assemblesForSm80AndSm90WithoutSpills(GemmShape shape, int biasType) {
        Map<Integer, Object> constants = TiledGemm.constants(shape, biasType);
        Graph graph = KernelCompiler.checkDivisions(KernelCompiler.ptxGraph(TiledGemm.KERNEL, constants, false));
        assertTrue(graph.faultSites.isEmpty(), "every divisor is a constant, so no division checks: "
                + graph.faultSites);
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            Graph fresh = KernelCompiler.checkDivisions(KernelCompiler.ptxGraph(TiledGemm.KERNEL, constants, false));
            String output = Ptxas.assertAssembles(PtxEmitter.emit(fresh, new PtxEmitter.Options(arch, false)), arch);
            assertTrue(output.contains(" 0 bytes spill stores, 0 bytes spill loads"), arch + ":\n" + output);
        }
    }
}
