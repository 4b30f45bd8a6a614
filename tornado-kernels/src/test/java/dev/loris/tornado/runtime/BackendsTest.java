package dev.loris.tornado.runtime;

import dev.loris.testing.RequiresCuda;
import dev.loris.testing.RequiresOpenCl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {

    @Test
    void jvmIsAlwaysAvailableWithCoresAndMemory() {
        BackendStatus jvm = Backends.probeJvm();
        assertTrue(jvm.available());
        DeviceInfo device = jvm.devices().getFirst();
        assertTrue(device.memoryBytes() > 0);
        assertTrue(device.facts().getFirst().endsWith(" cores"), device.facts().toString());
    }

    @Test
    void everyBackendEitherListsDevicesOrSaysWhyNot() {
        for (BackendStatus status : Backends.probeAll()) {
            assertEquals(status.available(), status.missingReason().isEmpty(), status.toString());
            for (DeviceInfo device : status.devices()) {
                assertFalse(device.name().isBlank(), status.toString());
                assertTrue(device.memoryBytes() > 0, status.toString());
            }
        }
    }

    @Test
    @RequiresOpenCl
    void openClListsPlatformsAndDevices() {
        BackendStatus cl = Backends.probeOpenCl();
        assertTrue(cl.available());
        for (DeviceInfo device : cl.devices()) {
            assertFalse(device.platform().isBlank());
            assertTrue(device.facts().stream().anyMatch(f -> f.endsWith("compute units")), device.toString());
        }
    }

    @Test
    @RequiresCuda
    void cudaReportsComputeCapability() {
        BackendStatus cuda = Backends.probeCuda();
        for (DeviceInfo device : cuda.devices()) {
            assertTrue(device.facts().stream().anyMatch(f -> f.matches("compute capability \\d+\\.\\d+")),
                    device.toString());
        }
    }
}
