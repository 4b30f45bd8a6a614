package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * One OpenCL device opened for work: a context and one in-order command queue with profiling on, and every
 * buffer, program, kernel and event made through it.
 *
 * <p>Closing the device waits for queued work, releases whatever its user left open (newest first), then
 * the queue and the context; closing twice does nothing. The live buffer count and bytes are public so that
 * tests can prove nothing leaks and reports can say what is held. Meant for one thread at a time: OpenCL
 * allows more, but kernel arguments are per kernel object and the queue is in order by design.
 */
public final class OpenClDevice implements AutoCloseable {
    private final OpenCl cl;
    private final MemorySegment device;
    private final String platformName;
    private final OpenClCapabilities capabilities;
    private final OpenClLedger ledger = new OpenClLedger();
    private MemorySegment context;
    private MemorySegment queue;

    private OpenClDevice(OpenCl cl, OpenClDeviceSelection.Choice choice) {
        this.cl = cl;
        this.device = choice.device();
        this.platformName = choice.platformName();
        this.capabilities = OpenClCapabilities.query(cl, device);
        this.context = cl.createContext(choice.platform(), device);
        try {
            this.queue = cl.createProfilingQueue(context, device, capabilities.deviceVersionAtLeast(2, 0));
        } catch (RuntimeException e) {
            cl.releaseContext(context);
            throw e;
        }
    }

    /** Opens device {@code deviceIndex} of platform {@code platformIndex}, as {@code loris devices} numbers them. */
    public static OpenClDevice open(int platformIndex, int deviceIndex) {
        OpenCl cl = OpenClDeviceSelection.loader();
        return new OpenClDevice(cl, OpenClDeviceSelection.byIndex(cl, platformIndex, deviceIndex));
    }

    /**
     * Opens device {@code index} counted over all platforms in order (platform 0's devices first), the order
     * in which {@code loris devices} lists them.
     */
    public static OpenClDevice openAt(int index) {
        OpenCl cl = OpenClDeviceSelection.loader();
        return new OpenClDevice(cl, OpenClDeviceSelection.byOverallIndex(cl, index));
    }

    /** Opens the first GPU of any platform, else the first device of any kind (PoCL's CPU device, say). */
    public static OpenClDevice openDefault() {
        OpenCl cl = OpenClDeviceSelection.loader();
        return new OpenClDevice(cl, OpenClDeviceSelection.preferred(cl));
    }

    // ---- what the device is ----------------------------------------------------------------------------

    public String name() {
        return capabilities.name();
    }

    public String platformName() {
        return platformName;
    }

    public OpenClCapabilities capabilities() {
        return capabilities;
    }

    public boolean supportsFp64() {
        return capabilities.supportsFp64();
    }

    public boolean supportsFp16() {
        return capabilities.supportsFp16();
    }

    /** Whether the build option -cl-fp32-correctly-rounded-divide-sqrt may be passed to {@link #build}. */
    public boolean correctlyRoundedDivideSqrt() {
        return capabilities.correctlyRoundedDivideSqrt();
    }

    /**
     * The build options for Java's float semantics: -cl-fp32-correctly-rounded-divide-sqrt where the device
     * allows it, so float division and square root round as Java's do (NVIDIA's OpenCL is 1 ulp off
     * without it, measured on the H100), else none.
     */
    public String javaFloatOptions() {
        return correctlyRoundedDivideSqrt() ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
    }

    public Set<String> extensions() {
        return capabilities.extensions();
    }

    public long maxWorkGroupSize() {
        return capabilities.maxWorkGroupSize();
    }

    public long localMemBytes() {
        return capabilities.localMemBytes();
    }

    public long maxAllocBytes() {
        return capabilities.maxAllocBytes();
    }

    // ---- making things ---------------------------------------------------------------------------------

    /**
     * A read-write buffer of {@code bytes}, contents undefined. Too large a request fails here with an
     * {@link OpenClAllocationException}; drivers that allocate lazily may instead fail the first command that
     * uses the buffer with CL_MEM_OBJECT_ALLOCATION_FAILURE.
     */
    public OpenClBuffer allocate(long bytes) {
        requireOpen();
        if (bytes <= 0) {
            throw new IllegalArgumentException("an OpenCL buffer needs a positive size, not " + bytes + " bytes");
        }
        if (bytes > capabilities.maxAllocBytes()) {
            throw allocationFailure(OpenClErrors.CL_INVALID_BUFFER_SIZE, bytes);
        }
        MemorySegment buffer;
        try {
            buffer = cl.createBuffer(context, bytes);
        } catch (OpenClException e) {
            throw switch (e.code()) {
                case OpenClErrors.CL_MEM_OBJECT_ALLOCATION_FAILURE, OpenClErrors.CL_OUT_OF_RESOURCES,
                     OpenClErrors.CL_OUT_OF_HOST_MEMORY, OpenClErrors.CL_INVALID_BUFFER_SIZE ->
                        allocationFailure(e.code(), bytes);
                default -> e;
            };
        }
        return track(new OpenClBuffer(this, buffer, bytes));
    }

    private OpenClAllocationException allocationFailure(int code, long bytes) {
        return new OpenClAllocationException(code, name(), bytes, capabilities.maxAllocBytes(),
                capabilities.globalMemBytes(), ledger.liveBytes());
    }

    /**
     * Compiles OpenCL C {@code source} with build {@code options} (such as "-cl-std=CL1.2", or empty).
     * A compile error throws an {@link OpenClBuildException} carrying the log and the failing source lines.
     */
    public OpenClProgram build(String source, String options) {
        requireOpen();
        String buildOptions = options == null ? "" : options;
        MemorySegment program = cl.createProgramWithSource(context, source);
        try {
            int code = cl.buildProgram(program, device, buildOptions);
            if (code == OpenClErrors.CL_INVALID_BUILD_OPTIONS) {
                throw new OpenClException(code, "OpenCL device '" + name() + "' rejected the build options \""
                        + buildOptions + "\": " + OpenClException.codeText(code),
                        "options such as -cl-fp32-correctly-rounded-divide-sqrt need device support");
            }
            String log = cl.programBuildLog(program, device);
            if (code == OpenClErrors.CL_BUILD_PROGRAM_FAILURE) {
                throw new OpenClBuildException(code, name(), buildOptions, log, source);
            }
            OpenCl.check("clBuildProgram", code);
            return track(new OpenClProgram(this, program, log));
        } catch (RuntimeException e) {
            cl.releaseProgram(program);
            throw e;
        }
    }

    // ---- the queue -------------------------------------------------------------------------------------

    /** Blocks until every queued command has completed. */
    public void finish() {
        requireOpen();
        cl.finish(queue);
    }

    /** Hands queued commands to the device without waiting for them. */
    public void flush() {
        requireOpen();
        cl.flush(queue);
    }

    /** Queues a marker after everything queued so far; its event completes, and is timed, when they have. */
    public OpenClEvent enqueueMarker() {
        requireOpen();
        return enqueueWithEvent(event -> cl.enqueueMarker(queue, event));
    }

    /** Runs {@code enqueue} with a slot for the new event and takes ownership of the event it stores there. */
    OpenClEvent enqueueWithEvent(Consumer<MemorySegment> enqueue) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment slot = arena.allocate(ADDRESS);
            enqueue.accept(slot);
            return track(new OpenClEvent(this, slot.get(ADDRESS, 0)));
        }
    }

    // ---- bookkeeping -----------------------------------------------------------------------------------

    /** Buffers allocated and not yet closed. */
    public int liveBuffers() {
        return ledger.liveBuffers();
    }

    /** Bytes in buffers allocated and not yet closed. */
    public long liveBytes() {
        return ledger.liveBytes();
    }

    /** The most bytes live buffers ever held at once on this device. */
    public long peakBytes() {
        return ledger.peakBytes();
    }

    /** Buffers, programs, kernels and events not yet closed. */
    public int liveObjects() {
        return ledger.liveObjects();
    }

    <T extends OpenClResource> T track(T resource) {
        ledger.add(resource);
        return resource;
    }

    void forget(OpenClResource resource) {
        ledger.remove(resource);
    }

    OpenCl cl() {
        return cl;
    }

    public MemorySegment queue() {
        requireOpen();
        return queue;
    }

    public MemorySegment deviceHandle() {
        return device;
    }

    /** The cl_context, for native libraries that share this device's buffers (CLBlast). */
    public MemorySegment contextHandle() {
        requireOpen();
        return context;
    }

    public boolean isClosed() {
        return context == null;
    }

    private void requireOpen() {
        if (context == null) {
            throw new IllegalStateException("OpenCL device '" + name() + "' used after close");
        }
    }

    /** Waits for queued work, then releases everything; the first failure is thrown once all is released. */
    @Override
    public void close() {
        if (context == null) {
            return;
        }
        RuntimeException failure = attempt(null, () -> cl.finish(queue));
        for (OpenClResource resource : ledger.newestFirst()) {
            failure = attempt(failure, resource::close);
        }
        failure = attempt(failure, () -> cl.releaseCommandQueue(queue));
        failure = attempt(failure, () -> cl.releaseContext(context));
        queue = null;
        context = null;
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException attempt(RuntimeException earlier, Runnable step) {
        try {
            step.run();
            return earlier;
        } catch (RuntimeException e) {
            if (earlier == null) {
                return e;
            }
            earlier.addSuppressed(e);
            return earlier;
        }
    }
}
