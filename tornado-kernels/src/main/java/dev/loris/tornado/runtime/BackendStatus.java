package dev.loris.tornado.runtime;

import java.util.List;

/**
 * What probing one backend found: its devices, or why it cannot be used on this machine.
 *
 * @param backend       "JVM", "OpenCL" or "CUDA"
 * @param version       the runtime's version as it reports it (driver version, ICD platforms); may be empty
 * @param devices       usable devices; empty when the backend is missing
 * @param missingReason why there are no devices and what to install; empty when devices were found
 * @param notes         things worth knowing that do not make the backend unusable (a platform with no devices)
 */
public record BackendStatus(String backend, String version, List<DeviceInfo> devices, String missingReason,
                            List<String> notes) {

    public static BackendStatus missing(String backend, String reason) {
        return new BackendStatus(backend, "", List.of(), reason, List.of());
    }

    public boolean available() {
        return !devices.isEmpty();
    }
}
