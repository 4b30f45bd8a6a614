package dev.loris.tornado.compiler;

import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opencl.OpenClWarps;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exact PTX and OpenCL C emitted for small kernels, so that every codegen change is reviewed as a text
 * diff. After an intended change, regenerate with
 * {@code ./loris test -pl tornado-kernels -Dtest=GoldenTextTest -Dloris.golden.update=true} and read the diff.
 */
class GoldenTextTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    /** Two sample kernels and main's row sum (RowReductions.rowSum), golden files named after the method. */
    static Stream<Method> kernels() {
        return Stream.of(CompilerSmokeTest.sample("axpy"), CompilerSmokeTest.sample("controlFlow"),
                CompilerSmokeTest.ROW_SUM);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void emittedTextMatchesGolden(Method kernel) throws IOException {
        check(kernel.getName() + ".ptx", CompilerSmokeTest.ptx(kernel, Map.of()));
        check(kernel.getName() + ".cl", OpenClEmitter.emit(CompilerSmokeTest.graph(kernel, Map.of())));
    }

    /** One small simd kernel in both OpenCL lowerings of warp exchanges (see OpenClWarps). */
    @ParameterizedTest
    @ValueSource(strings = {"subGroups", "localMemory"})
    void simdOpenClTextMatchesGolden(String lowering) throws IOException {
        OpenClWarps warps = lowering.equals("subGroups") ? OpenClWarps.subGroupShuffles(true, false)
                : OpenClWarps.localMemory(1024);
        var graph = KernelCompiler.openClGraph(Accelerator.findKernel(SimdKernels.class, "shuffleDownTree"), Map.of(),
                false);
        check("shuffleDownTree." + lowering + ".cl", OpenClEmitter.emit(graph, false, warps));
    }

    /**
     * One small tile kernel (a warp's 16 x 16 bf16 product: ldmatrix, two mma.sync) with both operands
     * k-contiguous, as PTX; the portable OpenCL lowering is checked by running it (TileKernelsTest).
     */
    @Test
    void tileKernelPtxMatchesGolden() throws IOException {
        Method kernel = Accelerator.findKernel(dev.loris.tornado.kernels.TileKernels.class, "mmaBlock");
        check("mmaBlock.ptx", CompilerSmokeTest.ptx(kernel, Map.of(4, true, 5, true)));
    }

    private static void check(String file, String actual) throws IOException {
        if (Boolean.getBoolean("loris.golden.update")) {
            Files.createDirectories(GOLDEN);
            Files.writeString(GOLDEN.resolve(file), actual, StandardCharsets.UTF_8);
            return;
        }
        String expected;
        try (var in = GoldenTextTest.class.getResourceAsStream("/golden/" + file)) {
            if (in == null) {
                throw new IOException("no golden file golden/" + file + " on the test class path");
            }
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(expected, actual,
                file + " changed; if intended, regenerate with -Dloris.golden.update=true and review the diff");
    }
}
