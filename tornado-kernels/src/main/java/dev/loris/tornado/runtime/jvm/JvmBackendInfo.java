package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.DeviceInfo;
import dev.loris.tornado.runtime.Units;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Describes the JVM backend: kernels run as plain Java over work-groups on the machine's cores, so it is
 * always available. The Vector API width matters for the CPU GEMM, so it is reported when the
 * jdk.incubator.vector module is present; so does a JVM that keeps its continuations from Loris (kernels with
 * barriers then run on the slower fallback).
 */
public final class JvmBackendInfo {
    private JvmBackendInfo() {
    }

    public static BackendStatus status() {
        Runtime runtime = Runtime.getRuntime();
        List<String> facts = new ArrayList<>();
        facts.add(runtime.availableProcessors() + " cores");
        facts.add("heap up to " + Units.bytes(runtime.maxMemory()));
        facts.add(vectorApiFact());
        if (!Continuations.AVAILABLE) {
            facts.add("barriers on virtual threads, several times slower (" + Continuations.UNAVAILABLE_REASON + ")");
        }
        String name = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vendor") + ")";
        DeviceInfo jvm = new DeviceInfo("JVM", "", 0, name, "jvm", physicalMemory(), List.copyOf(facts));
        return new BackendStatus("JVM", "Java " + Runtime.version().feature(), List.of(jvm), "", List.of());
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String vectorApiFact() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "Vector API off (start the JVM with --add-modules=jdk.incubator.vector)";
        }
        return "Vector API " + VectorWidth.preferredBits() + "-bit";
    }

    /** Kept apart so the Vector API classes load only once the module is known to be present. */
    private static final class VectorWidth {
        static int preferredBits() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
        }
    }
}
