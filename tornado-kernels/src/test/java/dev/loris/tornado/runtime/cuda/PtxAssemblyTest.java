package dev.loris.tornado.runtime.cuda;

import dev.loris.testing.Ptxas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ring 2 for the runtime's own test kernels: ptxas must accept them for Ampere and Hopper, and must reject
 * the broken one in a log that {@link PtxExcerpt} can point into, as the driver's JIT log is.
 */
class PtxAssemblyTest {

    @ParameterizedTest
    @ValueSource(strings = {"sm_80", "sm_90"})
    void testKernelsAssemble(String arch) {
        String output = Ptxas.assertAssembles(TestPtx.KERNELS, arch);
        assertTrue(output.contains("'vectorAdd' for '" + arch + "'"), output);
        assertTrue(output.contains("'storeScalars' for '" + arch + "'"), output);
    }

    @Test
    void brokenPtxIsRejectedAndTheExcerptPointsAtTheBadLine() {
        Ptxas.Result result = Ptxas.assemble(TestPtx.UNDECLARED_REGISTER, "sm_80");
        assertFalse(result.succeeded(), result.output());
        int badLine = TestPtx.lineOf(TestPtx.UNDECLARED_REGISTER, TestPtx.UNDECLARED_REGISTER_NAME);
        assertTrue(result.output().contains("line " + badLine + ";"), result.output());

        String excerpt = PtxExcerpt.around(TestPtx.UNDECLARED_REGISTER, result.output());
        assertTrue(excerpt.contains(TestPtx.markedLine(TestPtx.UNDECLARED_REGISTER, badLine)), excerpt);
    }
}
