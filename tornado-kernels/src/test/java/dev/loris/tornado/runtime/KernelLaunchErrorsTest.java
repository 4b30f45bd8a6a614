package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;
import dev.loris.tornado.examples.ExampleKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mistakes at launch time are errors that name the kernel and the parameter (checked on the JVM: the checks
 * are the backend-neutral part of every launcher).
 */
class KernelLaunchErrorsTest {
    private static void assertError(Executable call, String... fragments) {
        LorisException e = assertThrows(LorisException.class, call);
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void wrongArgumentsNameKernelAndParameter() {
        try (Accelerator acc = Accelerator.open("jvm"); DeviceArray ints = acc.allocate(IntArray.class, 8)) {
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            assertError(() -> axpy.set(2, ints), "parameter 2 (x, FloatArray) of kernel ExampleKernels.axpy",
                    "IntArray device array");
            assertError(() -> axpy.set(1, 3), "parameter 1 (a, float)", "an int");
            assertError(() -> axpy.set(5, 2.5), "parameter 5 (n, int)", "a double");
            assertError(() -> axpy.set(0, 1), "parameter 0 (ctx, KernelContext)");
            assertError(() -> axpy.set(6, 1), "has no parameter 6");
            assertError(() -> axpy.setArguments(null, 1f, "x", null, null, 4), "parameter 2", "a String");
            assertError(() -> axpy.setArguments(1f), "takes 6 arguments, got 1");
        }
    }

    @Test
    void narrowParametersTakeIntsInTheirRangeOnly() {
        try (Accelerator acc = Accelerator.open("jvm")) {
            KernelLaunch echo = acc.compile(ExecTestKernels.class, "echoScalars", Map.of()).launcher();
            assertError(() -> echo.set(6, 300), "parameter 6 (b, byte)", "out of its range");
            assertError(() -> echo.set(8, -1), "parameter 8 (c, char)");
            assertError(() -> echo.set(9, 1), "parameter 9 (flag, boolean)");
            echo.set(6, -128).set(7, 32767).set(8, 65535).set(9, true).set(3, 5);
        }
    }

    @Test
    void unsetAndClosedArgumentsAndBadGridsStopTheLaunch() {
        try (Accelerator acc = Accelerator.open("jvm"); DeviceArray x = acc.allocate(FloatArray.class, 64);
             DeviceArray y = acc.allocate(FloatArray.class, 64)) {
            KernelLaunch axpy = acc.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            axpy.set(1, 1f).set(2, x).set(3, y).set(5, 64);
            assertError(() -> axpy.launch(64, 64, acc.defaultStream()), "parameter 4 (out, FloatArray)", "not set");
            DeviceArray out = acc.allocate(FloatArray.class, 64);
            axpy.set(4, out);
            assertError(() -> axpy.launch(100, 64, acc.defaultStream()), "100", "not a multiple of local size 64");
            assertError(() -> axpy.launch(64, 0, acc.defaultStream()), "local size 0");
            out.close();
            assertError(() -> axpy.launch(64, 64, acc.defaultStream()), "parameter 4", "closed");
            assertError(() -> axpy.set(4, out), "closed");
        }
    }

    @Test
    void constantsAreSetForYouAndRefuseOtherValues() {
        try (Accelerator acc = Accelerator.open("jvm")) {
            KernelLaunch echo = acc.compile(ExecTestKernels.class, "echoScalars", Map.of(2, 42, 4, 1.5f))
                    .launcher();
            echo.set(2, 42).set(4, 1.5f);
            assertError(() -> echo.set(2, 43), "parameter 2 (i, int)", "fixed to 42", "cannot take 43");
            assertError(() -> echo.set(4, 2f), "fixed to 1.5", "cannot take 2.0");
            assertError(() -> acc.compile(ExecTestKernels.class, "echoScalars", Map.of(1, 3)), "cannot fix parameter 1",
                    "LongArray");
            assertError(() -> acc.compile(ExecTestKernels.class, "echoScalars", Map.of(2, 3L)), "(Long)");
        }
    }

    @Test
    void arraysOfAnotherAcceleratorAreRefused() {
        try (Accelerator one = Accelerator.open("jvm"); Accelerator other = Accelerator.open("jvm");
             DeviceArray foreign = other.allocate(FloatArray.class, 4)) {
            KernelLaunch axpy = one.compile(ExampleKernels.class, "axpy", Map.of()).launcher();
            assertError(() -> axpy.set(2, foreign), "parameter 2", "an array of jvm");
        }
    }
}
