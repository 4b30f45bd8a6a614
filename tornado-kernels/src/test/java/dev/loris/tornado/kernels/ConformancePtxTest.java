package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PTX side of {@link JavaConformanceTest}, for machines without a GPU: every conformance kernel
 * assembles with ptxas, and the instructions whose NaN behaviour is not Java's are followed by the fix-ups
 * that make it so (the H100 run of JavaConformanceTest checks the values).
 */
class ConformancePtxTest {
    static Stream<Method> kernels() {
        return Arrays.stream(ConformanceKernels.class.getDeclaredMethods())
                .filter(m -> Modifier.isStatic(m.getModifiers()) && m.getReturnType() == void.class
                        && m.getParameterCount() > 0 && m.getParameterTypes()[0] == dev.loris.tornado.api.KernelContext.class);
    }

    /** The PTX a CUDA accelerator builds for {@code kernel} on an H100 (division checks included). */
    static String devicePtx(Method kernel, String arch) {
        return devicePtx(kernel, Map.of(), arch);
    }

    static String devicePtx(Method kernel, Map<Integer, Object> constants, String arch) {
        return PtxEmitter.emit(KernelCompiler.devicePtxGraph(kernel, constants), new PtxEmitter.Options(arch, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void assemblesForSm80AndSm90(Method kernel) {
        for (Map<Integer, Object> specialisation : Specialisations.of(kernel)) {
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                Ptxas.assertAssembles(devicePtx(kernel, specialisation, arch), arch);
            }
        }
    }

    @Test
    void nanConversionsAreFollowedByANanTest() {
        List<String> lines = devicePtx(Accelerator.findKernel(ConformanceKernels.class, "conversions"), "sm_90")
                .lines().map(String::strip).toList();
        int checked = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean needsTest = line.startsWith("cvt.rzi.s64.f32") || line.startsWith("cvt.rzi.s32.f64")
                    || line.startsWith("cvt.rzi.s64.f64") || line.startsWith("cvt.rn.f16.f32")
                    || line.startsWith("cvt.rn.bf16.f32") || line.startsWith("cvt.f32.f16");
            if (needsTest) {
                String source = line.substring(line.lastIndexOf(',') + 1, line.length() - 1).strip();
                String sourceFloat = line.startsWith("cvt.f32.f16") ? null : source;
                boolean tested = lines.subList(i + 1, Math.min(lines.size(), i + 16)).stream()
                        .anyMatch(l -> sourceFloat == null ? l.startsWith("setp.gt.u32")
                                : l.startsWith("testp.notanumber.") && l.endsWith(", " + sourceFloat + ";"));
                assertTrue(tested, "no NaN test after line " + i + ": " + line);
                checked++;
            }
        }
        assertTrue(checked >= 6, "conversions found: " + checked);
        for (String line : lines) {
            assertFalse(line.matches("(abs|neg)\\.f(32|64) .*"), "abs/neg must keep NaN bits: " + line);
        }
    }
}
