package dev.loris.tornado.compiler;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.compiler.ir.Block;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.ir.Type;
import dev.loris.tornado.compiler.ir.Value;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DivisionKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the division checks add to device code ({@code KernelCompiler.checkDivisions}): nothing for
 * divisors that are non-zero constants; otherwise two trailing parameters, one site per source position,
 * a compare-and-swap in the emitted text, and PTX that ptxas assembles for sm_80 and sm_90.
 */
class DivisionChecksTest {
    private static Method kernel(String name) {
        return Accelerator.findKernel(DivisionKernels.class, name);
    }

    private static Graph ptxGraph(String name) {
        return KernelCompiler.checkDivisions(KernelCompiler.ptxGraph(kernel(name), Map.of(), false));
    }

    private static Graph openClGraph(String name) {
        return KernelCompiler.checkDivisions(KernelCompiler.openClGraph(kernel(name), Map.of(), false));
    }

    private static List<Value> checkedDivisions(Graph graph) {
        return graph.blocks.stream().flatMap((Block b) -> b.values.stream()).filter(Value::isCheckedDivision).toList();
    }

    @Test
    void constantNonZeroDivisorsGetNoChecksAndNoHiddenParameters() {
        int plainParameters = KernelCompiler.ptxGraph(kernel("constantDivisors"), Map.of(), false).params.size();
        Graph graph = ptxGraph("constantDivisors");
        assertTrue(graph.faultSites.isEmpty(), graph::dump);
        assertEquals(plainParameters, graph.params.size());
        String ptx = PtxEmitter.emit(graph, PtxEmitter.Options.DEFAULT);
        String openCl = OpenClEmitter.emit(openClGraph("constantDivisors"));
        for (String text : List.of(ptx, openCl)) {
            assertFalse(text.contains("loris_fault"), text);
            assertFalse(text.contains("cas"), text);
        }
    }

    @Test
    void aRuntimeDivisorGetsTheFaultWordAndItsJavaSourcePosition() {
        Graph graph = ptxGraph("intDivide");
        int n = graph.params.size();
        assertEquals(new Graph.Param("loris_fault_word", Type.PTR_GLOBAL, dev.loris.tornado.compiler.ir.MemType.I32,
                false), graph.params.get(n - 2));
        assertEquals(Type.I32, graph.params.get(n - 1).type());
        ArithmeticException java = assertThrows(ArithmeticException.class, () -> DivisionKernels.intDivide(
                new KernelContext(), IntArray.fromArray(new int[] {1}), new IntArray(1), new IntArray(1)));
        StackTraceElement expected = java.getStackTrace()[0];
        assertEquals(1, graph.faultSites.size());
        StackTraceElement site = graph.faultSites.getFirst();
        assertEquals(List.of(expected.getClassName(), expected.getMethodName(), expected.getFileName(),
                expected.getLineNumber()), List.of(site.getClassName(), site.getMethodName(), site.getFileName(),
                site.getLineNumber()));
        assertTrue(PtxEmitter.emit(graph, PtxEmitter.Options.DEFAULT).contains("atom.global.cas.b32"));
        assertTrue(OpenClEmitter.emit(openClGraph("intDivide"))
                .contains("atomic_cmpxchg(p_loris_fault_word, 0, p_loris_fault_base + 0)"));
    }

    @Test
    void unrolledCopiesShareTheirSite() {
        Graph graph = ptxGraph("unrolledDivisions");
        List<Value> divisions = checkedDivisions(graph);
        assertTrue(divisions.size() > 1, "the loop was not unrolled:\n" + graph.dump());
        assertEquals(1, graph.faultSites.size(), graph::dump);
        assertTrue(divisions.stream().allMatch(v -> v.index == 0));
    }

    @Test
    void hiddenParametersAvoidTheKernelsOwnNames() {
        Graph graph = ptxGraph("namedLikeTheFaultWord");
        long distinct = graph.params.stream().map(Graph.Param::name).distinct().count();
        assertEquals(graph.params.size(), distinct, graph.params.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"intDivide", "intRemainder", "longDivide", "longRemainder", "unusedQuotient",
            "guardedInLoop", "helperDivide", "unrolledDivisions", "namedLikeTheFaultWord"})
    void checkedPtxAssemblesForSm80AndSm90(String name) {
        Graph graph = ptxGraph(name);
        assertFalse(checkedDivisions(graph).isEmpty(), graph::dump);
        for (String arch : List.of("sm_80", "sm_90")) {
            Ptxas.assertAssembles(PtxEmitter.emit(graph, new PtxEmitter.Options(arch, false)), arch);
        }
    }
}
