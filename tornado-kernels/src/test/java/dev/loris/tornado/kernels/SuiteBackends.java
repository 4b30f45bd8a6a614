package dev.loris.tornado.kernels;

import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.Backends;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The backends the suite tests run on here, decided once per JVM: the JVM always, OpenCL and CUDA when a
 * device is present. A missing backend is reported once on stdout; a missing OpenCL fails under CI=true,
 * as {@link dev.loris.testing.RequiresOpenCl} does, so a broken install cannot pass as skips.
 */
final class SuiteBackends {
    private static List<SuiteBackend> available;

    private SuiteBackends() {
    }

    /** The argument source of {@link AcrossBackends}. */
    static synchronized Stream<SuiteBackend> available() {
        if (available == null) {
            available = probe();
        }
        return available.stream();
    }

    private static List<SuiteBackend> probe() {
        List<SuiteBackend> backends = new ArrayList<>();
        backends.add(new JvmSuiteBackend());
        BackendStatus openCl = Backends.probeOpenCl();
        if (openCl.available()) {
            backends.add(new OpenClSuiteBackend());
        } else if ("true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but no OpenCL device: " + openCl.missingReason());
        } else {
            System.out.println("kernel suite: not running on OpenCL: " + openCl.missingReason());
        }
        BackendStatus cuda = Backends.probeCuda();
        if (cuda.available()) {
            backends.add(new CudaSuiteBackend());
        } else {
            System.out.println("kernel suite: not running on CUDA: " + cuda.missingReason());
        }
        return List.copyOf(backends);
    }
}
