package dev.loris.tornado.kernels;

import dev.loris.tornado.compiler.KernelCompileException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every compile error names the kernel's class and method and the source line that caused it, whether the
 * front end, an inlined helper, a JDK method or an emitter found it (issue 16). The expected lines are the
 * ones marked {@code // error: <kernel>} in {@link UncompilableKernels}.
 */
class CompileErrorsTest {
    /** The kernels' source: from the module folder (Maven) or the repository root (the GPU machine's runs). */
    private static final Path SOURCE = Stream.of("", "tornado-kernels/")
            .map(prefix -> Path.of(prefix + "src/test/java/dev/loris/tornado/kernels/UncompilableKernels.java"))
            .filter(Files::isRegularFile).findFirst()
            .orElse(Path.of("src/test/java/dev/loris/tornado/kernels/UncompilableKernels.java"));
    private static final Pattern MARK = Pattern.compile("// error: (\\w+)");

    /** What each target compiles: the JVM's graph, OpenCL C, PTX, as the accelerators do. */
    private static final Map<String, Function<Method, Object>> TARGETS = Map.of(
            "jvm", kernel -> KernelCompiler.graph(kernel, Map.of()),
            "opencl", kernel -> OpenClEmitter.emit(KernelCompiler.deviceOpenClGraph(kernel, Map.of())),
            "ptx", kernel -> PtxEmitter.emit(KernelCompiler.devicePtxGraph(kernel, Map.of()),
                    new PtxEmitter.Options("sm_90", false)));

    /** Kernel name and the line its error must name. */
    static Stream<Object[]> marked() throws IOException {
        List<String> lines = Files.readAllLines(SOURCE);
        Stream.Builder<Object[]> cases = Stream.builder();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = MARK.matcher(lines.get(i));
            if (m.find()) {
                cases.add(new Object[] {m.group(1), i + 1});
            }
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("marked")
    void errorNamesClassMethodAndLine(String kernelName, int line) {
        Method kernel = Accelerator.findKernel(UncompilableKernels.class, kernelName);
        boolean failedSomewhere = false;
        for (var target : TARGETS.entrySet()) {
            KernelCompileException e;
            try {
                target.getValue().apply(kernel);
                continue; // compiles for this target (privateArray* on OpenCL and the JVM)
            } catch (KernelCompileException thrown) {
                e = thrown;
            }
            failedSomewhere = true;
            String kernelWhere = UncompilableKernels.class.getName() + "." + kernelName;
            assertTrue(e.getMessage().startsWith("cannot compile kernel " + kernelWhere), target.getKey() + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("(line " + line + ")"), target.getKey() + ", line " + line + ": " + e.getMessage());
            assertTrue(!e.getMessage().contains("DynamicConstantDesc") && !e.getMessage().contains("InaccessibleObject"),
                    e.getMessage());
        }
        assertTrue(failedSomewhere, kernelName + " compiled for every target");
    }

    @Test
    void synchronizedIsNotCalledTryCatch() {
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> KernelCompiler.graph(Accelerator.findKernel(UncompilableKernels.class, "synchronizedBlock"), Map.of()));
        assertTrue(e.getMessage().contains("synchronized is not supported"), e.getMessage());
    }
}
