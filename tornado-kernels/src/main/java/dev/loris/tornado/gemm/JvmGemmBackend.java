package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;

/**
 * Registers {@link JvmGemm} ("jvm"): it serves the JVM accelerator, with as many threads as the machine has
 * processors, whenever the JVM was started with the Vector API module (Loris' launcher and build always add
 * it). Kept apart from JvmGemm so that asking does not load the Vector API classes.
 */
final class JvmGemmBackend implements GemmBackend {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    @Override
    public String id() {
        return "jvm";
    }

    @Override
    public String unavailableReason(Accelerator accelerator) {
        if (accelerator.backend() != Accelerator.Backend.JVM) {
            return "the Vector API GEMM serves the JVM accelerator only";
        }
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return "the Vector API is not loaded: start the JVM with --add-modules=" + VECTOR_MODULE
                    + " (./loris does)";
        }
        return null;
    }

    @Override
    public Gemm open(Accelerator accelerator) {
        return new JvmGemm(accelerator, Runtime.getRuntime().availableProcessors());
    }
}
