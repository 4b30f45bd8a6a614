package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GEMM backends Loris knows, in order of preference, and the choice for an accelerator: the first that
 * can serve it. Vendor libraries come first where they load (they are the fastest and never required); our
 * own tiled kernel serves every CUDA and OpenCL device; the Vector API serves the JVM.
 */
public final class Gemms {
    private static final List<GemmBackend> BACKENDS = List.of(
            new JvmGemmBackend());

    private Gemms() {
    }

    /** Every registered backend, most preferred first. */
    public static List<GemmBackend> backends() {
        return BACKENDS;
    }

    /** The preferred GEMM for {@code accelerator}. */
    public static Gemm best(Accelerator accelerator) {
        for (GemmBackend backend : BACKENDS) {
            if (backend.unavailableReason(accelerator) == null) {
                return backend.open(accelerator);
            }
        }
        throw new LorisException("no matrix-multiply backend serves " + accelerator.spec() + ": "
                + unavailable(accelerator), "this is a bug in Loris: the tiled kernel should serve every device");
    }

    /** Every GEMM that can serve {@code accelerator}, for tests and benchmarks that compare them. */
    public static List<Gemm> all(Accelerator accelerator) {
        List<Gemm> gemms = new ArrayList<>();
        for (GemmBackend backend : BACKENDS) {
            if (backend.unavailableReason(accelerator) == null) {
                gemms.add(backend.open(accelerator));
            }
        }
        return gemms;
    }

    /** Backend id to the reason it cannot serve {@code accelerator}, for those that cannot. */
    public static Map<String, String> unavailable(Accelerator accelerator) {
        Map<String, String> reasons = new LinkedHashMap<>();
        for (GemmBackend backend : BACKENDS) {
            String reason = backend.unavailableReason(accelerator);
            if (reason != null) {
                reasons.put(backend.id(), reason);
            }
        }
        return reasons;
    }
}
