package dev.loris.tornado.runtime;

import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.examples.ExampleKernels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * After a kernel was compiled and run on every accelerator, the JVM still owns its signals or libjsig chains
 * them. On the H100 a test JVM without chaining died with SIGSEGV and no report once NVIDIA's OpenCL
 * compiler had run; a JVM started by the loris launcher or by Maven has libjsig preloaded. Started any other
 * way (an IDE, a bare java command), this fails and names the libraries that took the signals.
 */
class SignalHandlersTest {

    @Test
    void theJvmKeepsItsSignalsAfterEveryBackendCompiled() {
        Random random = new Random();
        for (String spec : Accelerator.available()) {
            // A constant n never used before forces a fresh compile: LLVM-based compilers install handlers then.
            int n = 1000 + random.nextInt(1_000_000);
            try (Accelerator acc = Accelerator.open(spec); DeviceArray x = acc.upload(new FloatArray(n));
                 DeviceArray out = acc.allocate(FloatArray.class, n)) {
                acc.compile(ExampleKernels.class, "axpy", Map.of(5, n)).launcher()
                        .set(1, 2f).set(2, x).set(3, x).set(4, out).launch((n + 127) / 128 * 128L, 128, acc.defaultStream());
                acc.synchronize();
            }
        }
        System.out.println("signal handlers: " + SignalHandlers.owners() + (SignalHandlers.chained() ? ", chained by libjsig" : ""));
        if (System.getProperty("os.name").equals("Linux")) {
            assertEquals(List.of("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL"), List.copyOf(SignalHandlers.owners().keySet()));
        }
        assertNull(SignalHandlers.warning());
    }
}
