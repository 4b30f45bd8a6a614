package dev.loris.tornado.runtime.opencl;

import dev.loris.testing.RequiresOpenCl;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The raw bindings where OpenClDevice only exercises one branch: both queue constructors. */
@RequiresOpenCl
class OpenClBindingsTest {
    private static final long SEED = System.nanoTime();

    @Test
    void bothQueueConstructorsGiveProfilingQueues() {
        OpenCl cl = OpenCl.load().orElseThrow();
        MemorySegment platform = cl.platforms().getFirst();
        MemorySegment device = cl.devices(platform).getFirst();
        MemorySegment context = cl.createContext(platform, device);
        try {
            boolean openCl2 = OpenClCapabilities.versionAtLeast(cl.deviceString(device, OpenCl.CL_DEVICE_VERSION),
                    2, 0);
            checkQueue(cl, context, device, false);
            if (openCl2) {
                checkQueue(cl, context, device, true);
            }
        } finally {
            cl.releaseContext(context);
        }
    }

    /** Fills a buffer through the queue without blocking, times it, and reads the pattern back. */
    private static void checkQueue(OpenCl cl, MemorySegment context, MemorySegment device, boolean openCl2) {
        int value = new Random(SEED).nextInt();
        int count = 4096;
        MemorySegment queue = cl.createProfilingQueue(context, device, openCl2);
        MemorySegment buffer = cl.createBuffer(context, 4L * count);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment eventSlot = arena.allocate(ADDRESS);
            cl.enqueueFillBuffer(queue, buffer, arena.allocateFrom(JAVA_INT, value), 0, 4L * count, eventSlot);
            MemorySegment event = eventSlot.get(ADDRESS, 0);
            cl.waitForEvent(event);
            long start = cl.eventProfilingNanos(event, OpenCl.CL_PROFILING_COMMAND_START);
            long end = cl.eventProfilingNanos(event, OpenCl.CL_PROFILING_COMMAND_END);
            assertTrue(start > 0 && end >= start, start + " .. " + end);
            cl.releaseEvent(event);
            MemorySegment host = arena.allocate(JAVA_INT, count);
            cl.enqueueReadBuffer(queue, buffer, true, 0, host, MemorySegment.NULL);
            for (int i = 0; i < count; i++) {
                assertEquals(value, host.getAtIndex(JAVA_INT, i), "int " + i + ", seed " + SEED);
            }
        } finally {
            cl.releaseMemObject(buffer);
            cl.releaseCommandQueue(queue);
        }
    }
}
