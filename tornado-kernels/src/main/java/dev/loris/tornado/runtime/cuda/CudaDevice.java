package dev.loris.tornado.runtime.cuda;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Units;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One CUDA device opened through its primary context: the owner of everything Loris allocates or loads on
 * it (device buffers, pinned host memory, modules, streams, events), which {@link #close()} releases.
 *
 * <p>Threads: the driver keeps a current context per thread, so every call here and in the objects it hands
 * out first makes this device's context current on the calling thread (cuCtxSetCurrent, a cheap call). Any
 * thread may use a device; a thread that calls another CUDA library directly (cuBLASLt) should call
 * {@link #makeCurrent()} first. The primary context is shared with every other user of the device in the
 * process, which is what lets such libraries work on our pointers.
 *
 * <p>Statistics count device allocations made through this object only: live allocations, live bytes, and
 * the peak of live bytes since opening. They do not include the driver's own reservations, which
 * {@link #freeMemoryBytes()} does see.
 */
public final class CudaDevice implements AutoCloseable {
    /** libcuda is opened and bound once per process; the driver itself is process-global. */
    private static final class SharedDriver {
        static final Optional<CudaDriver> DRIVER = CudaDriver.load();
    }

    /** Device memory allocated through one CudaDevice, and pinned host memory it holds. */
    public record MemoryStats(long liveAllocations, long liveBytes, long peakBytes, long pinnedBytes) {
    }

    private record PinnedBlock(MemorySegment pointer, Arena scope, long bytes) {
    }

    private final CudaDriver driver;
    private final CudaDriver.Bindings bindings;
    private final int deviceHandle;
    private final MemorySegment context;
    private final CudaDeviceProperties properties;
    private final CudaStream defaultStream;
    private final Set<CudaResource> liveResources = ConcurrentHashMap.newKeySet();
    private final Map<Long, PinnedBlock> pinnedBlocks = new ConcurrentHashMap<>();
    private volatile boolean open = true;
    private long liveAllocations;
    private long liveBytes;
    private long peakBytes;
    private long pinnedBytes;

    private CudaDevice(CudaDriver driver, int deviceHandle, MemorySegment context, CudaDeviceProperties properties) {
        this.driver = driver;
        this.bindings = driver.bindings();
        this.deviceHandle = deviceHandle;
        this.context = context;
        this.properties = properties;
        this.defaultStream = new CudaStream(this, MemorySegment.NULL, false);
    }

    /**
     * Opens device {@code ordinal} (0 is the first the driver sees): initialises the driver, retains the
     * device's primary context and makes it current on the calling thread.
     */
    public static CudaDevice open(int ordinal) {
        CudaDriver driver = SharedDriver.DRIVER.orElseThrow(() -> new LorisException(
                "CUDA is not available: no NVIDIA driver library (libcuda.so.1) on this machine",
                "install the NVIDIA driver (Loris needs only the driver, not the CUDA toolkit), "
                        + "or use the OpenCL or JVM backend"));
        driver.init();
        int count = driver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new LorisException("CUDA device " + ordinal + " does not exist: the driver sees " + count
                    + (count == 1 ? " device" : " devices"),
                    "run 'loris devices' to list them, and check CUDA_VISIBLE_DEVICES");
        }
        int handle = driver.device(ordinal);
        CudaContextBindings contexts = driver.bindings().context();
        MemorySegment context = contexts.retainPrimary(handle);
        try {
            contexts.setCurrent(context);
            return new CudaDevice(driver, handle, context, CudaDeviceProperties.query(driver, handle, ordinal));
        } catch (RuntimeException e) {
            contexts.releasePrimary(handle);
            throw e;
        }
    }

    /** Binds this device's context to the calling thread; Loris's own calls do it themselves. */
    public void makeCurrent() {
        if (!open) {
            throw new IllegalStateException(this + " is closed");
        }
        bindings.context().setCurrent(context);
    }

    public CudaDeviceProperties properties() {
        return properties;
    }

    public int ordinal() {
        return properties.ordinal();
    }

    public String name() {
        return properties.name();
    }

    public int computeCapabilityMajor() {
        return properties.computeCapabilityMajor();
    }

    public int computeCapabilityMinor() {
        return properties.computeCapabilityMinor();
    }

    public int multiprocessorCount() {
        return properties.multiprocessors();
    }

    public long totalMemoryBytes() {
        return properties.totalMemoryBytes();
    }

    /** Free device memory now, as the driver sees it (other processes' use included). */
    public long freeMemoryBytes() {
        makeCurrent();
        return bindings.context().freeBytes();
    }

    /** Waits until all work queued on this device, on every stream, has finished. */
    public void synchronize() {
        makeCurrent();
        bindings.context().synchronize();
    }

    public synchronized MemoryStats memoryStats() {
        return new MemoryStats(liveAllocations, liveBytes, peakBytes, pinnedBytes);
    }

    /**
     * Allocates {@code bytes} of device memory (uninitialised, aligned to at least 256 bytes).
     *
     * @throws CudaOutOfMemoryException when the device cannot supply them, naming requested and free bytes
     */
    public CudaBuffer allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a device allocation needs a positive size, got " + bytes);
        }
        makeCurrent();
        long address;
        try {
            address = bindings.memory().allocate(bytes);
        } catch (CudaException e) {
            if (e.code() == CudaErrors.OUT_OF_MEMORY) {
                throw outOfMemory(bytes, e);
            }
            throw e;
        }
        synchronized (this) {
            liveAllocations++;
            liveBytes += bytes;
            peakBytes = Math.max(peakBytes, liveBytes);
        }
        return track(new CudaBuffer(this, address, bytes));
    }

    private CudaOutOfMemoryException outOfMemory(long requested, CudaException cause) {
        long free = bindings.context().freeBytes();
        MemoryStats stats = memoryStats();
        String message = this + " cannot allocate " + Units.bytes(requested) + " (" + requested + " bytes): "
                + Units.bytes(free) + " (" + free + " bytes) free of " + Units.bytes(totalMemoryBytes())
                + "; Loris holds " + Units.bytes(stats.liveBytes()) + " in " + stats.liveAllocations()
                + " allocations";
        return new CudaOutOfMemoryException(message, requested, free, CudaErrors.hint(CudaErrors.OUT_OF_MEMORY),
                cause);
    }

    /**
     * Page-locked host memory of {@code bytes}, which asynchronous copies need to overlap with work. The
     * segment is valid until {@link #freePinned} or {@link #close()}; using it afterwards throws
     * IllegalStateException rather than touching freed memory.
     */
    public MemorySegment allocatePinned(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a pinned allocation needs a positive size, got " + bytes);
        }
        makeCurrent();
        MemorySegment pointer = bindings.memory().allocateHost(bytes);
        Arena scope = Arena.ofShared();
        pinnedBlocks.put(pointer.address(), new PinnedBlock(pointer, scope, bytes));
        synchronized (this) {
            pinnedBytes += bytes;
        }
        return pointer.reinterpret(bytes, scope, null);
    }

    /** Frees pinned memory from {@link #allocatePinned}; the segment (and slices of it) become unusable. */
    public void freePinned(MemorySegment segment) {
        PinnedBlock block = pinnedBlocks.get(segment.address());
        if (block == null) {
            throw new IllegalArgumentException("0x" + Long.toHexString(segment.address())
                    + " is not the start of pinned memory allocated by " + this + " (or was freed already)");
        }
        block.scope().close(); // throws while another thread is inside a native call using it: nothing freed yet
        pinnedBlocks.remove(segment.address());
        synchronized (this) {
            pinnedBytes -= block.bytes();
        }
        makeCurrent();
        bindings.memory().freeHost(block.pointer());
    }

    /**
     * Loads PTX text through the driver's JIT for this device.
     *
     * @throws CudaModuleLoadException when the JIT rejects it, with its error log and the PTX lines it names
     */
    public CudaModule load(String ptx) {
        makeCurrent();
        return track(CudaModule.load(this, ptx));
    }

    /** A new stream; it synchronises with the default stream, so synchronous copies wait for its work. */
    public CudaStream createStream() {
        makeCurrent();
        return track(new CudaStream(this, bindings.streams().createStream(), true));
    }

    /**
     * A new stream with no implicit ordering with the default stream (CU_STREAM_NON_BLOCKING): its copies overlap
     * the default stream's kernels. Order the two with events ({@link CudaStream#waitFor}); synchronous copies
     * do not wait for it.
     */
    public CudaStream createNonBlockingStream() {
        makeCurrent();
        return track(new CudaStream(this, bindings.streams().createNonBlockingStream(), true));
    }

    /** The context's default (NULL) stream; closing it does nothing. */
    public CudaStream defaultStream() {
        return defaultStream;
    }

    /** A new event with timing enabled. */
    public CudaEvent createEvent() {
        makeCurrent();
        return track(new CudaEvent(this, bindings.streams().createEvent()));
    }

    CudaDriver.Bindings bindings() {
        return bindings;
    }

    CudaDriver driver() {
        return driver;
    }

    private <T extends CudaResource> T track(T resource) {
        liveResources.add(resource);
        return resource;
    }

    /**
     * Called once by a resource's close, before it releases its native object: a buffer's bytes count as
     * released even if the free then fails (after a kernel fault the memory is gone with the context anyway).
     */
    void forget(CudaResource resource) {
        liveResources.remove(resource);
        if (resource instanceof CudaBuffer buffer) {
            synchronized (this) {
                liveAllocations--;
                liveBytes -= buffer.byteSize();
            }
        }
    }

    /** Stream-taking calls refuse another device's stream instead of letting the driver fail obscurely. */
    void requireOwn(CudaStream stream) {
        if (stream.device() != this) {
            throw new IllegalArgumentException(stream + " belongs to " + stream.device() + ", not to " + this);
        }
    }

    /**
     * Releases everything still open (events, streams, modules, buffers, pinned memory), then the primary
     * context. Every release is attempted; the first failure is thrown afterwards with the others suppressed.
     */
    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (CudaResource resource : List.copyOf(liveResources)) {
            try {
                resource.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        for (PinnedBlock block : List.copyOf(pinnedBlocks.values())) {
            try {
                freePinned(block.pointer());
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        open = false;
        try {
            bindings.context().releasePrimary(deviceHandle);
        } catch (RuntimeException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    @Override
    public String toString() {
        return "CUDA device " + properties.ordinal() + " (" + properties.name() + ")";
    }
}
