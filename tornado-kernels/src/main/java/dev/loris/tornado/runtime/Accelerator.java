package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ir.Graph;

import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One device to run kernels on, whatever the backend: the JVM (always there), an OpenCL device or a CUDA
 * GPU. It allocates {@link DeviceArray}s through a {@link CachingAllocator}, compiles kernel methods (cached
 * per method and constants), queues launches and copies on {@link DeviceStream}s, and keeps exact
 * {@link MemoryStats}. This is the direct, allocation-free path a trainer uses; the TornadoVM-shaped
 * {@code TaskGraph} API is built on it.
 *
 * <p>{@link #close()} waits for queued work and releases everything made through the accelerator: arrays
 * (live ones become unusable), the cache, kernels, streams, events, and the device's context. Meant for one
 * thread at a time, like the devices underneath.
 */
public abstract class Accelerator implements AutoCloseable {
    /** The kinds of device an accelerator runs on. */
    public enum Backend {
        JVM, OPENCL, CUDA
    }

    private record KernelKey(Method method, Map<Integer, Object> constants) {
    }

    private final Map<KernelKey, CompiledKernel> kernels = new HashMap<>();
    private volatile boolean closed;
    /** Created with the first kernel that has division checks; null before, and always on the JVM. */
    private FaultWord faultWord;
    private final Set<PinnedHostArray> pinned = new LinkedHashSet<>();
    /**
     * Host memory of closed pinned arrays, kept for the next request of the same size class: a training step
     * that offloads its layer inputs asks for the same buffers every step, and cuMemHostAlloc / cuMemFreeHost of
     * a gigabyte cost hundreds of milliseconds (cuMemFreeHost also waits for the whole device).
     */
    private final CachingAllocator<PinnedHostArray.HostMemory> hostMemory = new CachingAllocator<>(
            new CachingAllocator.RawMemory<>() {
                @Override
                public PinnedHostArray.HostMemory allocate(long bytes) {
                    return allocateHostMemory(bytes);
                }

                @Override
                public void free(PinnedHostArray.HostMemory memory) {
                    memory.free().run();
                }

                @Override
                public boolean isOutOfMemory(RuntimeException failure) {
                    return isHostOutOfMemory(failure);
                }
            });
    /** The open launch profile, or null (always null unless {@link LaunchProfiler#ENABLED}). */
    private LaunchProfiler profiler;

    protected Accelerator() {
    }

    /**
     * Opens {@code spec}: "jvm"; "opencl" (the first GPU, else the first device) or "opencl:N" (device N counted
     * over all platforms, see {@link #available()}); "cuda" or "cuda:N"; "auto" (CUDA if present, else an
     * OpenCL GPU, else the JVM). A spec that names nothing here is a LorisException listing what exists.
     */
    public static Accelerator open(String spec) {
        return AcceleratorSpecs.open(spec);
    }

    /** Every spec {@link #open} can open on this machine: "jvm" first, then "opencl:N", then "cuda:N". */
    public static List<String> available() {
        return AcceleratorSpecs.available();
    }

    public abstract Backend backend();

    /** The spec that opens this device again, e.g. "cuda:0", "opencl:1", "jvm". */
    public abstract String spec();

    /** The device in words, for logs: backend, index and the device's own name. */
    public abstract String description();

    /** Whether device arrays are host memory (the JVM), so that mirrors need no copies. */
    public boolean sharesHostMemory() {
        return false;
    }

    /**
     * The most bytes one array may take here: OpenCL's CL_DEVICE_MAX_MEM_ALLOC_SIZE, a CUDA GPU's total memory,
     * no limit of its own on the JVM. A bound, not a promise: an array below it may still not fit in what is
     * free, and the allocator rounds large requests up to whole 2 MiB blocks.
     */
    public long maxArrayBytes() {
        return Long.MAX_VALUE;
    }

    /** A new array of {@code length} elements of {@code type} (e.g. FloatArray.class); contents undefined. */
    public final DeviceArray allocate(Class<? extends TornadoNativeArray> type, long length) {
        requireOpen();
        ArrayTypes.elementBytes(type);
        if (length < 0) {
            throw new IllegalArgumentException("a device array of negative length " + length);
        }
        return allocateArray(type, length);
    }

    /** A new device array holding a copy of {@code host}. */
    public final DeviceArray upload(TornadoNativeArray host) {
        DeviceArray array = allocate(host.getClass(), host.length());
        try {
            array.copyFrom(host);
            return array;
        } catch (RuntimeException e) {
            array.close();
            throw e;
        }
    }

    /**
     * The device-side twin of {@code host}, for code that moves data explicitly: on the JVM the host array
     * itself (copies between the two do nothing), elsewhere a new array of the same type and length whose
     * contents are undefined until copied.
     */
    public final DeviceArray mirror(TornadoNativeArray host) {
        requireOpen();
        return sharesHostMemory() ? mirrorArray(host) : allocateArray(host.getClass(), host.length());
    }

    /** {@link #compile(Method, Map)} without constants. */
    public final CompiledKernel compile(Method kernel) {
        return compile(kernel, Map.of());
    }

    /** {@link #compile(Method, Map)} of the static method {@code name} of {@code owner} (see {@link #findKernel}). */
    public final CompiledKernel compile(Class<?> owner, String name, Map<Integer, Object> constants) {
        return compile(findKernel(owner, name), constants);
    }

    /**
     * Compiles {@code kernel} for this device, or returns the kernel compiled earlier with equal constants.
     * {@code constants} maps Java parameter indexes of scalar parameters to the values they are fixed to: the
     * compiler folds them (local array sizes, loop bounds), and launches pass those values.
     *
     * <p>The static final arrays a kernel reads are copied when it is first compiled here (constant tables,
     * see {@link KernelCompiler}); the cached kernel keeps that copy, so later writes to such an array reach
     * devices only through a new accelerator (the JVM backend reads the live array).
     */
    public final synchronized CompiledKernel compile(Method kernel, Map<Integer, Object> constants) {
        requireOpen();
        Map<Integer, Object> fixed = KernelConstants.normalise(kernel, constants);
        KernelKey key = new KernelKey(kernel, fixed);
        CompiledKernel compiled = kernels.get(key);
        if (compiled == null) {
            Graph graph = optimisedGraph(kernel, fixed);
            int faultCodeBase = graph.faultSites.isEmpty() ? 0
                    : faultWord().register(KernelSignature.displayName(kernel), graph.faultSites);
            KernelSignature signature = KernelSignature.of(kernel, graph, fixed, faultCodeBase);
            compiled = compileGraph(kernel, fixed, graph, signature);
            kernels.put(key, compiled);
        }
        return compiled;
    }

    /**
     * {@code constants} checked against {@code kernel}'s parameters and boxed as {@link #compile} uses them:
     * each index a scalar parameter, each value of that parameter's type (an Integer for an int, a Byte for
     * a byte...); a LorisException naming the parameter otherwise. For tools that compile as accelerators do.
     */
    public static Map<Integer, Object> checkedConstants(Method kernel, Map<Integer, Object> constants) {
        return KernelConstants.normalise(kernel, constants);
    }

    /** The compiler's graph for this backend (PTX and OpenCL each add their own lowering). */
    protected Graph optimisedGraph(Method kernel, Map<Integer, Object> fixed) {
        return KernelCompiler.graph(kernel, fixed);
    }

    /** The one static method {@code name} of {@code owner} (any access); an error if there is none or several. */
    public static Method findKernel(Class<?> owner, String name) {
        List<Method> found = Arrays.stream(owner.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && Modifier.isStatic(m.getModifiers()) && !m.isSynthetic())
                .toList();
        if (found.size() != 1) {
            throw new LorisException(owner.getName() + " has " + (found.isEmpty() ? "no" : found.size())
                    + " static methods named " + name, found.isEmpty() ? "check the kernel's name"
                    : "overloaded kernels are ambiguous by name: pass the Method itself");
        }
        return found.getFirst();
    }

    /** The stream copies and launches use when no other is named; never closed by its user. */
    public abstract DeviceStream defaultStream();

    /** A new stream (on OpenCL another view of the device's one queue); close it when done. */
    public final DeviceStream createStream() {
        requireOpen();
        return newStream();
    }

    /**
     * A new stream for copies that overlap the default stream's kernels: on CUDA a non-blocking stream, which
     * nothing orders with the default stream but events ({@link DeviceStream#waitFor}; synchronous copies do
     * not wait for it either); elsewhere as {@link #createStream()}. Close it when done.
     */
    public final DeviceStream createCopyStream() {
        requireOpen();
        return newCopyStream();
    }

    /**
     * {@code length} elements of {@code type} in host memory that asynchronous copies reach directly
     * (page-locked on CUDA; see {@link PinnedHostArray}); contents undefined. Close it when done.
     */
    public final PinnedHostArray allocatePinned(Class<? extends TornadoNativeArray> type, long length) {
        requireOpen();
        long bytes = Math.multiplyExact(length, (long) ArrayTypes.elementBytes(type));
        if (length <= 0) {
            throw new IllegalArgumentException("a pinned host array needs a positive length, got " + length);
        }
        CachingAllocator.Allocation<PinnedHostArray.HostMemory> memory = hostMemory.allocate(bytes);
        PinnedHostArray array = new PinnedHostArray(this, type, length, memory);
        synchronized (this) {
            pinned.add(array);
        }
        return array;
    }

    /** Bytes of live {@link PinnedHostArray}s (host memory, not in {@link #memoryStats()}): the cache's count. */
    public final long pinnedBytes() {
        return hostMemory.stats().currentBytes();
    }

    /** The highest {@link #pinnedBytes()} since opening or {@link #resetPeakStats()}. */
    public final long peakPinnedBytes() {
        return hostMemory.stats().peakBytes();
    }

    /** Forgets a closed pinned array (its memory goes back to the cache), so closing the accelerator skips it. */
    final synchronized void pinnedReleased(PinnedHostArray array) {
        pinned.remove(array);
    }

    /**
     * Starts timing every kernel launch and GEMM call until the profile's {@link LaunchProfiler#finish}; only
     * in a JVM started with {@code -Dloris.profile=true} (a LorisException otherwise), one profile at a time.
     */
    public final LaunchProfiler startProfiling() {
        LaunchProfiler.requireEnabled();
        requireOpen();
        if (profiler != null) {
            throw new LorisException("a launch profile is already open on " + spec(), "finish it first");
        }
        profiler = new LaunchProfiler(this);
        return profiler;
    }

    /** The open launch profile, or null; what launches and GEMM calls check when profiling is enabled. */
    public final LaunchProfiler profiler() {
        return profiler;
    }

    final void profilingFinished(LaunchProfiler finished) {
        if (profiler == finished) {
            profiler = null;
        }
    }

    /** A new event, to record into streams; close it when done. */
    public final DeviceEvent createEvent() {
        requireOpen();
        return newEvent();
    }

    /**
     * Waits until all queued work on every stream has finished. Raises a {@link
     * dev.loris.tornado.api.DivisionByZeroException} if a kernel divided by zero since the last check.
     */
    public final void synchronize() {
        if (isClosed()) {
            return;
        }
        waitForDevice();
        checkFaults(null, true);
    }

    /**
     * Raises the division by zero a kernel recorded, if any (see {@link FaultWord#check}); does nothing
     * before the first kernel with division checks was compiled. Called where the host waits anyway.
     */
    final void checkFaults(DeviceStream stream, boolean complete) {
        FaultWord word = faultWord;
        if (word != null) {
            word.check(stream, complete);
        }
    }

    /** The fault word, made the first time a kernel needs it. */
    final synchronized FaultWord faultWord() {
        if (faultWord == null) {
            faultWord = newFaultWord();
        }
        return faultWord;
    }

    public final MemoryStats memoryStats() {
        return allocator().stats();
    }

    /** Starts the peak statistics again from the current values. */
    public final void resetPeakStats() {
        allocator().resetPeaks();
        hostMemory.resetPeaks();
    }

    /** Whether {@code failure} is this device running out of memory (so a caller can say which knob to turn). */
    public final boolean isOutOfMemory(RuntimeException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RuntimeException r && allocator().isOutOfMemory(r)) {
                return true;
            }
        }
        return false;
    }

    /** Returns cached (released, unused) blocks to the device, and cached pinned host memory to the system. */
    public final void emptyCache() {
        requireOpen();
        allocator().emptyCache();
        hostMemory.emptyCache();
    }

    /** Bytes of pinned host memory kept for reuse (closed {@link PinnedHostArray}s; see {@link #pinnedBytes()}). */
    public final long cachedPinnedBytes() {
        return hostMemory.cachedBytes();
    }

    public final boolean isClosed() {
        return closed;
    }

    /**
     * Waits for queued work and releases everything made through this accelerator; idempotent. A division by
     * zero recorded and not yet raised is raised after everything was released.
     */
    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        try {
            synchronize();
        } catch (RuntimeException e) {
            failure = e;
        }
        closed = true;
        kernels.clear();
        for (PinnedHostArray array : List.copyOf(pinned)) {
            try {
                array.close();
            } catch (RuntimeException e) {
                failure = combine(failure, e);
            }
        }
        try {
            allocator().close();
        } catch (RuntimeException e) {
            failure = combine(failure, e);
        }
        try {
            hostMemory.close();
        } catch (RuntimeException e) {
            failure = combine(failure, e);
        }
        try {
            if (faultWord != null) {
                faultWord.close();
            }
        } catch (RuntimeException e) {
            failure = combine(failure, e);
        }
        try {
            closeDevice();
        } catch (RuntimeException e) {
            failure = combine(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException combine(RuntimeException earlier, RuntimeException next) {
        if (earlier == null) {
            return next;
        }
        earlier.addSuppressed(next);
        return earlier;
    }

    final void requireOpen() {
        if (closed) {
            throw new IllegalStateException(description() + " is closed");
        }
    }

    protected abstract CachingAllocator<?> allocator();

    protected abstract DeviceArray allocateArray(Class<? extends TornadoNativeArray> type, long length);

    /** Only where {@link #sharesHostMemory()}: {@code host} itself as a device array. */
    protected DeviceArray mirrorArray(TornadoNativeArray host) {
        throw new UnsupportedOperationException(description() + " does not share host memory");
    }

    protected abstract CompiledKernel compileGraph(Method kernel, Map<Integer, Object> constants, Graph graph,
                                                   KernelSignature signature);

    /** The compiled kernel {@link #compileGraph} returns: {@code launches} makes its backend's launchers. */
    protected final CompiledKernel compiledKernel(Method kernel, Map<Integer, Object> constants,
                                                  KernelSignature signature, String source,
                                                  Function<CompiledKernel, KernelLaunch> launches) {
        return new CompiledKernel(this, kernel, constants, signature, source, launches);
    }

    protected abstract DeviceStream newStream();

    /** See {@link #createCopyStream()}: streams overlap only where the backend says so. */
    protected DeviceStream newCopyStream() {
        return newStream();
    }

    /**
     * {@code bytes} of host memory for a {@link PinnedHostArray}: plain native memory, 64-byte aligned, here;
     * CUDA gives page-locked memory. Reached through a cache: freed blocks are reused by size class.
     */
    protected PinnedHostArray.HostMemory allocateHostMemory(long bytes) {
        Arena arena = Arena.ofShared();
        try {
            return new PinnedHostArray.HostMemory(arena.allocate(bytes, TornadoNativeArray.ALIGNMENT), arena::close);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new LorisException(description() + " cannot allocate " + Units.bytes(bytes) + " of host memory",
                    "free host memory, or use fewer tokens per step");
        }
    }

    /** Whether {@code failure}, thrown by {@link #allocateHostMemory}, means host memory ran out. */
    protected boolean isHostOutOfMemory(RuntimeException failure) {
        return failure instanceof LorisException;
    }

    /** Waits until all queued work on every stream has finished (the device part of {@link #synchronize}). */
    protected abstract void waitForDevice();

    /**
     * A zeroed fault word on the device, for kernels with division checks. The JVM compiles none: the kernel
     * method itself throws there.
     */
    protected FaultWord newFaultWord() {
        throw new IllegalStateException(description() + " compiles kernels without division checks");
    }

    protected abstract DeviceEvent newEvent();

    /** Releases the device itself, after the allocator; called once. */
    protected abstract void closeDevice();

    @Override
    public String toString() {
        return description();
    }
}
