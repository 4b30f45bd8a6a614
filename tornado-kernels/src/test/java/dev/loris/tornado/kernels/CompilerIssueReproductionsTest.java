package dev.loris.tornado.kernels;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.runtime.opencl.OpenClDevice;
import dev.loris.tornado.runtime.opencl.OpenClProgram;
import org.junit.jupiter.api.Disabled;
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
     * The OpenCL emitter names the __kernel after the method, so a kernel called "mix" declares a function
     * that clashes with the built-in mix(); PoCL builds it but lists it as "_cl_mix", and a launch by the
     * method's name fails with CL_INVALID_KERNEL_NAME (other drivers may reject the source). Workaround in
     * the suite: ControlFlowKernel's kernel is called foldRows, not mix.
     */
    @Test
    @RequiresOpenCl
    @Disabled("compiler: OpenCL kernels named like an OpenCL C built-in (e.g. mix) are renamed by the driver, "
            + "so the kernel cannot be found by its method name")
    void aKernelNamedLikeABuiltInKeepsItsName() throws NoSuchMethodException {
        String source = KernelCompiler.openCl(
                CompilerIssueReproductionsTest.class.getDeclaredMethod("mix", KernelContext.class, FloatArray.class),
                Map.of());
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            OpenClProgram program = device.build(source, "");
            assertTrue(program.kernelNames().contains("mix"), "kernels in the program: " + program.kernelNames());
        }
    }
}
