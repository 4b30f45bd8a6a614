package dev.loris.tornado.runtime.opencl;

import dev.loris.testing.RequiresOpenCl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sub-group size query the simd lowering relies on reaches the driver with the right arguments: a size
 * within the work-group where the device has sub-groups, CL_INVALID_OPERATION where it has none (PoCL 3).
 */
@RequiresOpenCl
class OpenClSubGroupsTest {
    @Test
    void maxSubGroupSizeIsASizeOrInvalidOperation() {
        try (OpenClDevice device = OpenClDevice.openDefault();
             OpenClKernel kernel = device.build("__kernel void k(__global int *x) { x[get_global_id(0)] = 1; }", "")
                     .kernel("k")) {
            if (device.capabilities().maxSubGroups() > 0) {
                long size = kernel.maxSubGroupSize(64);
                assertTrue(size >= 1 && size <= 64, "sub-group size " + size + " for a work-group of 64");
            } else {
                OpenClException e = assertThrows(OpenClException.class, () -> kernel.maxSubGroupSize(64));
                assertEquals(OpenClErrors.CL_INVALID_OPERATION, e.code(), e.getMessage());
            }
        }
    }
}
