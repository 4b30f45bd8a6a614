package dev.loris.tornado.runtime.cuda;

import dev.loris.testing.RequiresCuda;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Ring 3: the driver's PTX JIT, kernel attributes and the checks launches make before calling the driver. */
@RequiresCuda
class CudaModuleTest {
    /** CUresult of a PTX JIT failure ("a PTX JIT compilation failed"). */
    private static final int CUDA_ERROR_INVALID_PTX = 218;
    private static final int CUDA_ERROR_NOT_FOUND = 500;

    @Test
    void rejectedPtxReportsTheJitLogAndTheLinesItNames() {
        try (CudaDevice device = CudaDevice.open(0)) {
            CudaModuleLoadException e = assertThrows(CudaModuleLoadException.class,
                    () -> device.load(TestPtx.UNDECLARED_REGISTER));
            String message = e.getMessage();
            assertEquals(CUDA_ERROR_INVALID_PTX, e.code(), message);
            assertTrue(e.errorLog().contains(TestPtx.UNDECLARED_REGISTER_NAME), message);
            assertTrue(message.contains(e.errorLog().strip()), message);
            int badLine = TestPtx.lineOf(TestPtx.UNDECLARED_REGISTER, TestPtx.UNDECLARED_REGISTER_NAME);
            assertTrue(message.contains(TestPtx.markedLine(TestPtx.UNDECLARED_REGISTER, badLine)), message);
            assertFalse(e.hint().isEmpty(), message);
            assertEquals(TestPtx.UNDECLARED_REGISTER, e.ptx());
        }
    }

    @Test
    void kernelsReportTheirResourcesAndParameters() {
        try (CudaDevice device = CudaDevice.open(0); CudaModule module = device.load(TestPtx.KERNELS)) {
            System.out.println("JIT info log for the test kernels:\n" + module.jitInfoLog());
            CudaFunction vectorAdd = module.function("vectorAdd");
            String facts = vectorAdd.toString();
            assertTrue(vectorAdd.registers() > 0 && vectorAdd.registers() <= 255, facts);
            assertEquals(0, vectorAdd.staticSharedBytes(), facts);
            assertEquals(0, vectorAdd.localBytes(), facts);
            assertTrue(vectorAdd.maxThreadsPerBlock() >= VectorAdd.BLOCK
                    && vectorAdd.maxThreadsPerBlock() <= device.properties().maxThreadsPerBlock(), facts);
            vectorAdd.parameterSizes().ifPresent(sizes -> assertEquals(
                    Arrays.stream(TestPtx.VECTOR_ADD_PARAMETER_SIZES).boxed().toList(), sizes));
        }
    }

    @Test
    void aMissingKernelNameIsNotFound() {
        try (CudaDevice device = CudaDevice.open(0); CudaModule module = device.load(TestPtx.KERNELS)) {
            CudaException e = assertThrows(CudaException.class, () -> module.function("noSuchKernel"));
            assertEquals(CUDA_ERROR_NOT_FOUND, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("noSuchKernel"), e.getMessage());
        }
    }

    @Test
    void launchesRefuseTooLargeBlocksAndArgumentsThatDoNotFitTheParameters() {
        try (CudaDevice device = CudaDevice.open(0); CudaModule module = device.load(TestPtx.KERNELS);
             CudaBuffer buffer = device.allocate(4096)) {
            CudaFunction vectorAdd = module.function("vectorAdd");
            CudaStream stream = device.defaultStream();
            KernelArgs valid = KernelArgs.create().pointer(buffer).pointer(buffer).pointer(buffer).i32(16);
            assertThrows(IllegalArgumentException.class, () -> vectorAdd.launch(Dim3.of(1),
                    Dim3.of(vectorAdd.maxThreadsPerBlock() + 1), 0, stream, valid));

            assumeTrue(vectorAdd.parameterSizes().isPresent(), "this driver cannot list kernel parameters (< 12.4)");
            List<KernelArgs> wrong = List.of(
                    KernelArgs.create().pointer(buffer).pointer(buffer).pointer(buffer),
                    KernelArgs.create().pointer(buffer).pointer(buffer).pointer(buffer).i64(16),
                    KernelArgs.create().pointer(buffer).pointer(buffer).pointer(buffer).i32(16).i32(0));
            for (KernelArgs args : wrong) {
                assertThrows(IllegalArgumentException.class,
                        () -> vectorAdd.launch(Dim3.of(1), Dim3.of(16), 0, stream, args), args.toString());
            }
            vectorAdd.launch(Dim3.of(1), Dim3.of(16), 0, stream, valid);
            device.synchronize();
        }
    }
}
