package dev.loris.cli;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.kernels.Axpy;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.api.Test;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code loris kernel} prints exactly what an accelerator compiles (issue 16: it printed sm_80 PTX where an
 * H100 compiles sm_90, and took {@code --constant 2=200} for a byte parameter that no accelerator takes).
 */
class KernelCommandTest {
    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void ptxIsWhatAnH100CompilesByDefaultAndAnotherArchOnRequest() {
        CliRun h100 = run("kernel", Axpy.class.getName(), "axpy");
        assertEquals(0, h100.exitCode(), h100.err());
        String expected = PtxEmitter.emit(KernelCompiler.devicePtxGraph(Accelerator.findKernel(Axpy.class, "axpy"),
                Map.of()), new PtxEmitter.Options(PtxEmitter.targetFor(9, 0), false));
        assertEquals(expected, h100.out());
        CliRun a100 = run("kernel", "--arch", "sm_80", Axpy.class.getName(), "axpy");
        assertTrue(a100.out().contains(".target sm_80"), a100.out());
        CliRun bad = run("kernel", "--arch", "sm_100", Axpy.class.getName(), "axpy");
        assertEquals(2, bad.exitCode(), "a bad option value is bad usage");
        assertTrue(bad.err().contains("--arch sm_100"), bad.err());
    }

    @Test
    void constantsOutsideTheirTypeAreRefusedAsAcceleratorsRefuseThem() {
        String kernels = CliTestKernels.class.getName();
        for (String wrong : new String[] {"2=200", "3=40000", "4=70000", "5=yes", "2=1.5"}) {
            CliRun result = run("kernel", "--constant", wrong, kernels, "scalars");
            assertEquals(2, result.exitCode(), wrong + ": " + result.out());
            assertTrue(result.err().contains("--constant " + wrong), wrong + ": " + result.err());
        }
        CliRun fixed = run("kernel", "--constant", "2=-128", "--constant", "3=-32768", "--constant", "4=x",
                "--constant", "5=true", "--constant", "6=5000000000", kernels, "scalars");
        assertEquals(0, fixed.exitCode(), fixed.err());
        String expected = PtxEmitter.emit(KernelCompiler.devicePtxGraph(Accelerator.findKernel(CliTestKernels.class,
                "scalars"), Map.of(2, (byte) -128, 3, (short) -32768, 4, 'x', 5, true, 6, 5000000000L)),
                new PtxEmitter.Options("sm_90", false));
        assertEquals(expected, fixed.out());
    }

    @Test
    @RequiresOpenCl
    void openClTextIsWhatTheDeviceBuilds() {
        CliRun local = run("kernel", "--target", "opencl", Axpy.class.getName(), "axpy");
        CliRun device = run("kernel", "--device", "opencl", Axpy.class.getName(), "axpy");
        assertEquals(0, device.exitCode(), device.err());
        assertEquals(device.out(), local.out());
    }
}
