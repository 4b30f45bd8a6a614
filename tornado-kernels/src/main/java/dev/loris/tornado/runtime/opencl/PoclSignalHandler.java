package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Keeps Java's integer division by zero working in a process that loads PoCL. PoCL's CPU driver installs a
 * process-wide SIGFPE handler that steps over a faulting integer division (an OpenCL kernel must not trap),
 * and PoCL 3.1 (Debian 12) does so on every thread. The JVM turns that same signal into ArithmeticException,
 * so once PoCL had started, {@code x / 0} in plain Java code went on with a garbage result instead of
 * throwing (measured: 20000 of 20000 int divisions by zero after {@code Accelerator.available()}).
 *
 * <p>Setting POCL_SIGFPE_HANDLER=0 before PoCL starts keeps the JVM's handler. Our kernels never rely on
 * PoCL's: every integer division the OpenCL emitter writes tests its divisor for 0 and -1 first. A value the
 * user set is kept (setenv without overwrite). Best effort: without a C library's setenv nothing changes.
 */
final class PoclSignalHandler {
    private static boolean done;

    private PoclSignalHandler() {
    }

    /** Called before the ICD loader is opened (PoCL reads the variable when it starts). */
    static synchronized void leaveSigfpeToTheJvm() {
        if (done) {
            return;
        }
        done = true;
        Linker linker = Linker.nativeLinker();
        var setenv = linker.defaultLookup().find("setenv");
        if (setenv.isEmpty()) {
            return;
        }
        MethodHandle handle = linker.downcallHandle(setenv.get(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) handle.invokeExact(arena.allocateFrom("POCL_SIGFPE_HANDLER"), arena.allocateFrom("0"), 0);
        } catch (Throwable t) {
            throw new IllegalStateException("setenv(POCL_SIGFPE_HANDLER) failed", t);
        }
    }
}
