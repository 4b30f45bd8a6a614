package dev.loris.tornado.runtime.cuda;

import dev.loris.LorisException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** On a machine without the NVIDIA driver, opening a device is a user error that says what to install. */
class CudaUnavailableTest {

    @Test
    void openingADeviceWithoutLibcudaSaysWhatToInstall() {
        assumeTrue(CudaDriver.load().isEmpty(), "libcuda is installed here");
        LorisException e = assertThrows(LorisException.class, () -> CudaDevice.open(0));
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        assertFalse(e.hint().isEmpty(), e.getMessage());
    }
}
