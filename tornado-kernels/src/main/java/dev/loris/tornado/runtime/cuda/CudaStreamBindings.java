package dev.loris.tornado.runtime.cuda;

import dev.loris.tornado.runtime.NativeLibrary;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.loris.tornado.runtime.NativeLibrary.call;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Driver entry points for ordering and timing work: streams (queues of copies and launches) and events
 * (markers recorded into a stream, waited on and timed). All need the owning context current.
 *
 * <p>CUDA 12.8 added cuEventElapsedTime_v2 and CUDA 13's cuda.h maps cuEventElapsedTime to it; we bind
 * the {@code _v2} symbol when the driver exports it and the original otherwise (same signature).
 */
final class CudaStreamBindings {
    /** Streams that synchronise with the legacy default stream, so a synchronous copy waits for them. */
    static final int STREAM_DEFAULT = 0;
    /**
     * Streams with no implicit ordering with the legacy default stream (CU_STREAM_NON_BLOCKING): copies on
     * them overlap the default stream's kernels, and only events order the two.
     */
    static final int STREAM_NON_BLOCKING = 1;
    /** Events that record timing (CU_EVENT_DEFAULT); the driver spins while waiting on them. */
    static final int EVENT_DEFAULT = 0;

    private final CudaDriver driver;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamWaitEvent;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;

    CudaStreamBindings(CudaDriver driver, NativeLibrary library) {
        this.driver = driver;
        cuStreamCreate = library.function("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamSynchronize = library.function("cuStreamSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamDestroy = library.function("cuStreamDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuStreamWaitEvent = library.function("cuStreamWaitEvent",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        cuEventCreate = library.function("cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuEventRecord = library.function("cuEventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        cuEventSynchronize = library.function("cuEventSynchronize", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cuEventElapsedTime = library.function(
                library.has("cuEventElapsedTime_v2") ? "cuEventElapsedTime_v2" : "cuEventElapsedTime",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuEventDestroy = library.function("cuEventDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    MemorySegment createStream() {
        return create("cuStreamCreate", cuStreamCreate, STREAM_DEFAULT);
    }

    MemorySegment createNonBlockingStream() {
        return create("cuStreamCreate", cuStreamCreate, STREAM_NON_BLOCKING);
    }

    /** Work queued on {@code stream} after this call waits for {@code event}'s latest recording (flags 0). */
    void waitEvent(MemorySegment stream, MemorySegment event) {
        driver.check("cuStreamWaitEvent", call(() -> (int) cuStreamWaitEvent.invokeExact(stream, event, 0)));
    }

    void synchronizeStream(MemorySegment stream) {
        driver.check("cuStreamSynchronize", call(() -> (int) cuStreamSynchronize.invokeExact(stream)));
    }

    void destroyStream(MemorySegment stream) {
        driver.check("cuStreamDestroy", call(() -> (int) cuStreamDestroy.invokeExact(stream)));
    }

    MemorySegment createEvent() {
        return create("cuEventCreate", cuEventCreate, EVENT_DEFAULT);
    }

    void record(MemorySegment event, MemorySegment stream) {
        driver.check("cuEventRecord", call(() -> (int) cuEventRecord.invokeExact(event, stream)));
    }

    void synchronizeEvent(MemorySegment event) {
        driver.check("cuEventSynchronize", call(() -> (int) cuEventSynchronize.invokeExact(event)));
    }

    /** Milliseconds between two completed events (resolution about 0.5 microseconds). */
    float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            driver.check("cuEventElapsedTime", call(() -> (int) cuEventElapsedTime.invokeExact(out, start, end)));
            return out.get(JAVA_FLOAT, 0);
        }
    }

    void destroyEvent(MemorySegment event) {
        driver.check("cuEventDestroy", call(() -> (int) cuEventDestroy.invokeExact(event)));
    }

    /** cuStreamCreate and cuEventCreate share the shape (handle out, flags). */
    private MemorySegment create(String callName, MethodHandle creator, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            driver.check(callName, call(() -> (int) creator.invokeExact(out, flags)));
            return out.get(ADDRESS, 0);
        }
    }
}
