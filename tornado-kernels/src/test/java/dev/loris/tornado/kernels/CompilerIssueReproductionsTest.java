package dev.loris.tornado.kernels;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClProgram;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Minimal reproductions of compiler problems the kernel suite ran into, disabled until the compiler is
 * fixed; each @Disabled reason says what goes wrong. The suite's kernels work around them (see each test).
 */
class CompilerIssueReproductionsTest {
    /** A kernel named like an OpenCL C built-in function (mix, clamp, min, max, dot, select, exp...). */
    static void mix(KernelContext ctx, FloatArray x) {
        x.set(ctx.globalIdx, 1f);
    }

    /**
     * The OpenCL emitter named the __kernel after the method, so a kernel called "mix" declared a function
     * that clashed with the built-in mix(); PoCL built it but listed it as "_cl_mix", and a launch by the
     * method's name failed with CL_INVALID_KERNEL_NAME (other drivers may reject the source). Fixed: entry
     * points are prefixed (OpenClEmitter.entryName). The suite's ControlFlowKernel kernel is still called
     * foldRows, not mix, from when this was open.
     */
    @Test
    @RequiresOpenCl
    void aKernelNamedLikeABuiltInKeepsItsName() throws NoSuchMethodException {
        String source = KernelCompiler.openCl(
                CompilerIssueReproductionsTest.class.getDeclaredMethod("mix", KernelContext.class, FloatArray.class),
                Map.of());
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            OpenClProgram program = device.build(source, device.javaFloatOptions());
            assertTrue(program.kernelNames().contains(OpenClEmitter.entryName("mix")),
                    "kernels in the program: " + program.kernelNames());
        }
    }
}
