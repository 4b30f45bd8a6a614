package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every suite kernel (each specialisation) compiles to PTX that ptxas assembles for sm_80 (A100) and sm_90 (H100). */
class SuitePtxAssemblyTest {
    static Stream<Method> kernels() {
        return SuiteKernels.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void assemblesForSm80AndSm90(Method kernel) {
        for (Map<Integer, Object> specialisation : Specialisations.of(kernel)) {
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                Ptxas.assertAssembles(KernelCompiler.ptx(kernel, specialisation, new PtxEmitter.Options(arch, false)), arch);
            }
        }
    }

    @Test
    void theSuiteHasItsKernels() {
        assertTrue(SuiteKernels.all().count() >= 16, "kernels found: " + SuiteKernels.all().toList());
    }
}
