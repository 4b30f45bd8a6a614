package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.gemm.clblast.ClBlastBackend;
import dev.loris.tornado.gemm.cublaslt.CublasLtBackend;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.LaunchProfiler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GEMM backends Loris knows, in order of preference, and the choice for an accelerator: the first that
 * can serve it, and per shape the next ones for what it lacks. Vendor libraries come first where they load
 * (they are the fastest and never required); our tensor-core kernel serves bf16 and f16 on Ampere and newer
 * GPUs; our own tiled kernel serves every CUDA and OpenCL device; the Vector API serves the JVM.
 */
public final class Gemms {
    // One backend per line, each with its trailing comma (an array initializer allows it), so that adding a
    // backend adds a line and touches no other.
    private static final List<GemmBackend> BACKENDS = List.of(new GemmBackend[] {
            new CublasLtBackend(),
            new TensorCoreGemmBackend(),
            new ClBlastBackend(),
            new TiledGemmBackend(),
            new JvmGemmBackend(),
    });

    private Gemms() {
    }

    /** Every registered backend, most preferred first. */
    public static List<GemmBackend> backends() {
        return BACKENDS;
    }

    /**
     * The preferred GEMM for {@code accelerator}: the first backend that serves it, falling back per shape to
     * the next ones for shapes it does not support (CLBlast has no bf16, for one). Timed per call when launch
     * profiling is enabled ({@link LaunchProfiler}).
     */
    public static Gemm best(Accelerator accelerator) {
        List<GemmBackend> serving = available(accelerator);
        if (serving.isEmpty()) {
            throw new LorisException("no matrix-multiply backend serves " + accelerator.spec() + ": "
                    + unavailable(accelerator), "this is a bug in Loris: the tiled kernel should serve every device");
        }
        Gemm gemm = serving.size() == 1 ? serving.getFirst().open(accelerator) : new PreferredGemm(accelerator, serving);
        return LaunchProfiler.ENABLED ? new ProfiledGemm(gemm) : gemm;
    }

    /** The backends that can serve {@code accelerator}, most preferred first; opens nothing. */
    public static List<GemmBackend> available(Accelerator accelerator) {
        List<GemmBackend> serving = new ArrayList<>();
        for (GemmBackend backend : BACKENDS) {
            if (backend.unavailableReason(accelerator) == null) {
                serving.add(backend);
            }
        }
        return serving;
    }

    /** Every GEMM that can serve {@code accelerator}, for tests and benchmarks that compare them. */
    public static List<Gemm> all(Accelerator accelerator) {
        List<Gemm> gemms = new ArrayList<>();
        for (GemmBackend backend : available(accelerator)) {
            gemms.add(backend.open(accelerator));
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
