package dev.loris.tornado.runtime.opencl;

import dev.loris.LorisException;
import dev.loris.testing.RequiresOpenCl;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Opening, describing, building on and closing a device; resource accounting over many cycles. */
@RequiresOpenCl
class OpenClDeviceTest {
    private static final long SEED = System.nanoTime();

    @Test
    void capabilitiesDescribeTheDevice() {
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            OpenClCapabilities caps = device.capabilities();
            assertFalse(device.name().isBlank());
            assertFalse(device.platformName().isBlank());
            assertTrue(caps.deviceVersionAtLeast(1, 2), caps.deviceVersion());
            assertTrue(caps.addressBits() == 32 || caps.addressBits() == 64, caps.toString());
            assertTrue(device.maxWorkGroupSize() >= 1 && device.localMemBytes() >= 1024, caps.toString());
            assertTrue(caps.maxWorkItemSizes().size() >= 3, caps.toString());
            assertTrue(device.maxAllocBytes() > 0 && device.maxAllocBytes() <= caps.globalMemBytes(), caps.toString());
            assertTrue(caps.baseAddressAlignBytes() >= 4, caps.toString());
            assertTrue(device.extensions().stream().allMatch(e -> e.startsWith("cl_")), caps.toString());
            assertEquals(device.extensions().contains("cl_khr_fp16"), device.supportsFp16());
            if (device.extensions().contains("cl_khr_fp64")) {
                assertTrue(device.supportsFp64());
            }
        }
    }

    @Test
    void theCorrectlyRoundedDivideSqrtOptionBuildsWhereTheDeviceClaimsIt() {
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            String source = "__kernel void root(__global float* x) { x[0] = sqrt(x[0]) / x[1]; }\n";
            if (device.correctlyRoundedDivideSqrt()) {
                try (OpenClProgram program = device.build(source, "-cl-fp32-correctly-rounded-divide-sqrt")) {
                    assertEquals(java.util.List.of("root"), program.kernelNames());
                }
            } else {
                System.out.println("device " + device.name() + " has no correctly rounded divide and sqrt");
            }
        }
    }

    @Test
    void openingByIndexFindsTheSameDeviceAndNamesMissingOnes() {
        try (OpenClDevice first = OpenClDevice.open(0, 0)) {
            assertFalse(first.name().isBlank());
        }
        LorisException platform = assertThrows(LorisException.class, () -> OpenClDevice.open(99, 0));
        assertTrue(platform.getMessage().contains("platform 99"), platform.getMessage());
        LorisException device = assertThrows(LorisException.class, () -> OpenClDevice.open(0, 999));
        assertTrue(device.getMessage().contains("no device 999"), device.getMessage());
    }

    @Test
    void aBuildFailureCarriesTheLogAndTheNumberedFailingLine() {
        int padding = new Random(SEED).nextInt(12);
        String source = "// a kernel with a mistake\n".repeat(padding)
                + "__kernel void broken(__global float* x) {\n"
                + "    x[0] = 1.0f;\n"
                + "    x[1] = undeclared_value_" + padding + " * 2.0f;\n"
                + "}\n";
        int badLine = padding + 3;
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            OpenClBuildException e = assertThrows(OpenClBuildException.class, () -> device.build(source, ""));
            String message = e.getMessage();
            assertFalse(e.log().isBlank());
            assertTrue(message.contains(e.log()), message);
            assertTrue(message.contains("undeclared_value_" + padding), message);
            assertEquals(badLine, e.errorLine().orElse(-1), "padding " + padding + ", log:\n" + e.log());
            assertTrue(Pattern.compile(">\\s*" + badLine + " \\|     x\\[1] = undeclared_value_").matcher(message).find(),
                    message);
            assertEquals(0, device.liveObjects(), "a failed build leaves no program behind");
        }
    }

    @Test
    void closingTheDeviceReleasesWhatItsUserLeftOpen() {
        OpenClDevice device = OpenClDevice.openDefault();
        OpenClProgram program = device.build(TestKernels.SOURCE, "");
        OpenClKernel kernel = program.kernel("busy");
        OpenClBuffer buffer = device.allocate(4 * 64);
        OpenClEvent launch = kernel.setBuffer(0, buffer).setInt(1, 3).setFloat(2, 1f)
                .launch(new long[] {64}, null);
        assertEquals(4, device.liveObjects());
        device.close();
        assertEquals(0, device.liveObjects());
        assertEquals(0, device.liveBuffers());
        assertTrue(program.isClosed() && kernel.isClosed() && buffer.isClosed() && launch.isClosed());
        assertDoesNotThrow(device::close);
        assertDoesNotThrow(buffer::close);
        assertThrows(IllegalStateException.class, () -> buffer.write(MemorySegment.ofArray(new float[1])));
        assertThrows(IllegalStateException.class, () -> device.allocate(4));
    }

    @Test
    void aThousandCreateLaunchReleaseCyclesLeaveNothingLive() {
        Random random = new Random(SEED + 1);
        try (OpenClDevice device = OpenClDevice.openDefault()) {
            OpenClProgram program = device.build(TestKernels.SOURCE, "");
            long largestCycle = 0;
            for (int cycle = 0; cycle < 1000; cycle++) {
                int n = 1 + random.nextInt(256);
                float value = random.nextFloat();
                float[] result = {Float.NaN};
                try (OpenClBuffer a = device.allocate(4L * n); OpenClBuffer c = device.allocate(4L * n);
                     OpenClKernel add = program.kernel("vectorAdd")) {
                    a.fillFloat(value);
                    add.setBuffer(0, a).setBuffer(1, a).setBuffer(2, c).setInt(3, n);
                    // A fixed work-group size: PoCL compiles a kernel anew for every work-group size it meets.
                    try (OpenClEvent launch = add.launch(new long[] {(n + 63) / 64 * 64}, new long[] {64})) {
                        launch.waitFor();
                    }
                    c.read(4L * (n - 1), MemorySegment.ofArray(result));
                    largestCycle = Math.max(largestCycle, device.liveBytes());
                }
                assertEquals(value + value, result[0], 0f, "cycle " + cycle + ", seed " + SEED);
                assertEquals(0, device.liveBuffers(), "cycle " + cycle);
                assertEquals(0, device.liveBytes(), "cycle " + cycle);
                assertEquals(1, device.liveObjects(), "cycle " + cycle + ": only the program is left");
            }
            assertEquals(largestCycle, device.peakBytes());
            program.close();
            assertEquals(0, device.liveObjects());
        }
    }
}
