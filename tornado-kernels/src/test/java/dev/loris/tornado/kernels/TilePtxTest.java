package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tile kernels' PTX: tensor-core instructions where the Java calls them, fragments in registers (no
 * local memory, no spills), assembled by ptxas for sm_80 and sm_90; an older target is refused by name.
 */
class TilePtxTest {
    static String ptx(String kernel, Map<Integer, Object> constants, String arch) {
        Method method = SuiteInputs.kernel(TileKernels.class, kernel);
        return PtxEmitter.emit(KernelCompiler.devicePtxGraph(method, constants), new PtxEmitter.Options(arch, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mmaBlock", "pipelinedF16"})
    void assemblesForSm80AndSm90InRegisters(String kernel) {
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            String text = ptx(kernel, Map.of(), arch);
            String output = Ptxas.assertAssembles(text, arch);
            assertTrue(output.contains(" 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"),
                    arch + ":\n" + output);
            assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32."), text);
            assertTrue(text.contains("ldmatrix.sync.aligned.m8n8.x4"), text);
        }
    }

    /**
     * The tensor-core attention forward for the fast head sizes: 68 KiB of dynamic shared memory, launch bounds for
     * three work-groups a multiprocessor (168 registers), within which ptxas may spill a little.
     */
    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void flashAttentionAssemblesInRegisters(int headDim) {
        var method = SuiteInputs.kernel(FlashAttention.class, "forwardBf16");
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            var graph = KernelCompiler.devicePtxGraph(method, Map.of(FlashAttention.PARAM_HEAD_DIM, headDim));
            assertEquals(4 * FlashAttention.TILE * 2, PtxEmitter.dynamicSharedBytes(graph));
            String text = PtxEmitter.emit(graph, new PtxEmitter.Options(arch, false));
            assertEquals(headDim, count(text, "mma.sync.aligned.m16n8k16"), "S = Q K^T and O += P V: headDim / 2 each");
            assertTrue(text.contains(".maxntid 128, 1, 1\n.minnctapersm 3\n{"), text.substring(0, 600));
            String output = Ptxas.assertAssembles(text, arch);
            Matcher spills = Pattern.compile("(\\d+) bytes spill stores").matcher(output);
            assertTrue(!spills.find() || Integer.parseInt(spills.group(1)) <= 64, arch + ":\n" + output);
        }
    }

    @Test
    void theStorageOrderPicksTheLdmatrixForm() {
        String kContiguous = ptx("mmaBlock", Map.of(4, true, 5, true), "sm_80");
        assertEquals(0, count(kContiguous, ".trans"), kContiguous);
        assertEquals(2, count(kContiguous, "ldmatrix.sync.aligned.m8n8.x4.shared.b16"), kContiguous);
        assertEquals(2, count(kContiguous, "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), kContiguous);
        String kMajor = ptx("mmaBlock", Map.of(4, false, 5, false), "sm_80");
        assertEquals(2, count(kMajor, "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), kMajor);
    }

    @Test
    void asyncCopiesAreCpAsyncWithGroups() {
        String text = ptx("pipelinedF16", Map.of(), "sm_90");
        assertTrue(text.contains("cp.async.cg.shared.global ["), text);
        assertTrue(text.contains("cp.async.commit_group;"), text);
        assertTrue(text.contains("cp.async.wait_group 1;") && text.contains("cp.async.wait_group 0;"), text);
        assertTrue(text.contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"), text);
    }

    @Test
    void targetsBeforeAmpereAreRefusedByName() {
        var e = assertThrows(KernelCompileException.class, () -> ptx("mmaBlock", Map.of(), "sm_75"));
        assertTrue(e.getMessage().contains("compute capability 8.0"), e.getMessage());
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }
}
