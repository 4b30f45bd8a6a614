package dev.loris.tornado.gemm.clblast;

import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.gemm.GemmBackend;
import dev.loris.tornado.gemm.GemmLibraryException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.NativeHandles;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CLBlast status codes become errors naming the code; the backend says where it cannot run. */
class ClBlastErrorsTest {

    @Test
    void errorsNameTheirCode() {
        GemmLibraryException e = ClBlastStatus.error("CLBlastSgemm", -1016, "GEMM 2x2x2");
        assertEquals("CLBlast", e.library());
        assertEquals(-1016, e.code());
        assertEquals("CLBlastInvalidLeadDimA", e.codeName());
        assertEquals("CLBlast CLBlastSgemm failed: CLBlastInvalidLeadDimA (-1016): GEMM 2x2x2", e.getMessage());
        assertEquals("CLBlastNoHalfPrecision", ClBlastStatus.error("CLBlastHgemm", -2045, "").codeName());
        assertEquals("CLBlastOpenCLOutOfResources", ClBlastStatus.error("CLBlastSgemm", -5, "").codeName());
        assertTrue(ClBlastStatus.error("CLBlastSgemm", -4, "").hint().contains("out of memory"));
    }

    @Test
    void anUnlistedCodeIsReportedByNumber() {
        GemmLibraryException e = ClBlastStatus.error("CLBlastSgemm", -7777, "");
        assertEquals("unknown CLBlast status", e.codeName());
        assertTrue(e.getMessage().contains("(-7777)"), e.getMessage());
    }

    @Test
    void servesOnlyOpenClDevices() {
        GemmBackend backend = new ClBlastBackend();
        try (Accelerator jvm = Accelerator.open("jvm")) {
            String reason = backend.unavailableReason(jvm);
            assertNotNull(reason);
            assertTrue(reason.contains("OpenCL"), reason);
            assertThrows(IllegalStateException.class, () -> backend.open(jvm));
        }
    }

    /**
     * The real library, given a leading dimension below the row length, answers with the code we name. CI
     * installs CLBlast, so there a missing library fails (GemmTest would otherwise skip CLBlast silently);
     * elsewhere it skips.
     */
    @Test
    @RequiresOpenCl
    void theLibrarysOwnRejectionIsNamed() {
        ClBlastLibrary library = ClBlastLibrary.loaded().library();
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(library != null, ClBlastLibrary.loaded().missingReason());
        }
        assertNotNull(library, ClBlastLibrary.loaded().missingReason());
        try (Accelerator acc = Accelerator.open("opencl:0");
             DeviceArray a = acc.allocate(FloatArray.class, 64);
             DeviceArray b = acc.allocate(FloatArray.class, 64);
             DeviceArray c = acc.allocate(FloatArray.class, 64);
             Arena arena = Arena.ofConfined()) {
            assertNull(new ClBlastBackend().unavailableReason(acc));
            MemorySegment queue = arena.allocateFrom(ADDRESS, NativeHandles.openClQueue(acc));
            int status = library.sgemm(false, false, 4, 4, 4, 1f, NativeHandles.openClBuffer(a), 0, 3,
                    NativeHandles.openClBuffer(b), 0, 4, 0f, NativeHandles.openClBuffer(c), 0, 4, queue);
            assertEquals("CLBlastInvalidLeadDimA", ClBlastStatus.name(status), "status " + status);
        }
    }
}
