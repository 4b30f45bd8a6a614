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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core GEMM's PTX, compiled as a CUDA accelerator compiles it, assembles with ptxas for sm_80 and
 * sm_90 without spills (accumulators and fragments stay in registers): each transpose for both input types,
 * the unaligned variant, and the epilogues. It asks for 60 KiB of dynamic shared memory, and per 32 of k
 * issues 32 mma.sync from 12 ldmatrix.
 */
class TensorCoreGemmPtxTest {
    static Stream<Object[]> variants() {
        List<Object[]> variants = new ArrayList<>();
        for (GemmType in : new GemmType[] {GemmType.BF16, GemmType.F16}) {
            for (int t = 0; t < 4; t++) {
                variants.add(new Object[] {GemmShape.of(64, 64, 64, (t & 1) != 0, (t & 2) != 0, in, in, in),
                        TensorCoreGemmKernels.NO_BIAS, true});
            }
        }
        variants.add(new Object[] {GemmShape.of(64, 64, 64, false, true, GemmType.BF16, GemmType.BF16, GemmType.F32),
                GemmType.F32.ordinal(), false});
        variants.add(new Object[] {GemmShape.of(64, 64, 64, true, false, GemmType.F16, GemmType.F16, GemmType.BF16),
                GemmType.BF16.ordinal(), true});
        return variants.stream();
    }

    @ParameterizedTest(name = "{0}, bias type {1}, aligned {2}")
    @MethodSource("variants")
    void assemblesForSm80AndSm90WithoutSpills(GemmShape shape, int biasType, boolean aligned) {
        Map<Integer, Object> constants = TensorCoreGemm.constants(shape, biasType, aligned);
        Graph graph = KernelCompiler.devicePtxGraph(TensorCoreGemm.KERNEL, constants);
        assertEquals(2 * TensorCoreGemmKernels.STAGES * TensorCoreGemmKernels.STAGE * 2,
                PtxEmitter.dynamicSharedBytes(graph));
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            Graph fresh = KernelCompiler.devicePtxGraph(TensorCoreGemm.KERNEL, constants);
            String ptx = PtxEmitter.emit(fresh, new PtxEmitter.Options(arch, false));
            assertEquals(32, count(ptx, "mma.sync.aligned.m16n8k16.row.col.f32."), "mma.sync per k slice");
            assertEquals(12, count(ptx, "ldmatrix.sync.aligned.m8n8.x4"), "ldmatrix per k slice");
            assertEquals(aligned, ptx.contains("cp.async.cg.shared.global"), "cp.async only when aligned");
            String output = Ptxas.assertAssembles(ptx, arch);
            assertTrue(output.contains(" 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"),
                    arch + ":\n" + output);
        }
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }
}
