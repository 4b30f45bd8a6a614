package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.testing.RequiresCuda;
import dev.loris.testing.RequiresOpenCl;
import dev.loris.tornado.runtime.cuda.CudaAccelerator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which specs open what, and that the devices the test rings require are among those the tests run on. */
class AcceleratorSpecsTest {

    @Test
    void theJvmIsAlwaysAvailableAndFirst() {
        List<String> specs = Accelerator.available();
        assertEquals("jvm", specs.getFirst());
        try (Accelerator jvm = Accelerator.open(" JVM ")) {
            assertEquals(Accelerator.Backend.JVM, jvm.backend());
            assertEquals("jvm", jvm.spec());
            assertTrue(jvm.sharesHostMemory());
        }
    }

    @Test
    void autoOpensSomethingAvailable() {
        try (Accelerator auto = Accelerator.open("auto")) {
            assertTrue(Accelerator.available().contains(auto.spec()), auto.spec());
        }
    }

    @Test
    void malformedSpecsNameThemselvesAndListWhatExists() {
        for (String spec : new String[] {"gpu", "cuda:x", "opencl:-1", "", "opencl:1:2"}) {
            LorisException e = assertThrows(LorisException.class, () -> Accelerator.open(spec), spec);
            assertTrue(e.getMessage().contains("'" + spec.trim() + "'"), e.getMessage());
            assertTrue(e.hint().contains("jvm, opencl, opencl:N, cuda, cuda:N or auto"), e.hint());
            assertTrue(e.hint().contains("this machine has jvm"), e.hint());
        }
    }

    @Test
    void aDeviceThatIsNotThereIsNamed() {
        LorisException e = assertThrows(LorisException.class, () -> Accelerator.open("cuda:7"));
        assertTrue(e.getMessage().startsWith("cannot open accelerator 'cuda:7'"), e.getMessage());
        assertTrue(e.hint().contains("this machine has jvm"), e.hint());
    }

    @Test
    @RequiresOpenCl
    void openClDevicesAreAmongTheTestedAccelerators() {
        assertTrue(Accelerator.available().contains("opencl:0"), Accelerator.available().toString());
        try (Accelerator cl = Accelerator.open("opencl")) {
            assertEquals(Accelerator.Backend.OPENCL, cl.backend());
            assertTrue(cl.spec().matches("opencl:\\d+"), cl.spec());
            assertFalse(cl.sharesHostMemory());
            assertTrue(cl.description().startsWith("OpenCL device "), cl.description());
        }
    }

    @Test
    @RequiresCuda
    void cudaDevicesAreAmongTheTestedAccelerators() {
        assertTrue(Accelerator.available().contains("cuda:0"), Accelerator.available().toString());
        try (Accelerator cuda = Accelerator.open("cuda")) {
            assertEquals(Accelerator.Backend.CUDA, cuda.backend());
            assertEquals("cuda:0", cuda.spec());
            assertTrue(((CudaAccelerator) cuda).ptxTarget().matches("sm_\\d+"));
        }
        try (Accelerator auto = Accelerator.open("auto")) {
            assertEquals(Accelerator.Backend.CUDA, auto.backend(), "auto prefers CUDA");
        }
    }
}
