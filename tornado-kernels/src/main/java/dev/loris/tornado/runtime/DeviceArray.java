package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.lang.foreign.MemorySegment;

/**
 * An array resident on one {@link Accelerator}: its element type (a Loris array class), its length, and
 * copies to and from host arrays of the same type. On the JVM it is a host array itself: a mirror of a host
 * array ({@link Accelerator#mirror}) is that very array, so kernels work on it in place.
 *
 * <p>Device memory starts undefined (a reused block holds what its last user left): {@link #poison()} fills
 * it with 0xFF bytes, NaN in every float format and -1 in every integer type, so tests see what a kernel
 * failed to write. Copies move {@code host.length()} elements, which may be fewer than this array holds,
 * to or from its start. Asynchronous copies return at once: the host array must stay reachable and untouched
 * until the stream is synchronised. {@link #close()} returns the memory to the accelerator's cache for reuse
 * (work queued earlier on the same stream, or on the single OpenCL queue, is ordered before any reuse).
 */
public abstract class DeviceArray implements AutoCloseable {
    private final Accelerator accelerator;
    private final Class<? extends TornadoNativeArray> type;
    private final long length;
    private final int elementBytes;
    /** The memory this array was given, returned on close; null for a JVM mirror, which holds none. */
    private final CachingAllocator.Allocation<?> allocation;
    private volatile boolean closed;
    /** For a view: the array that owns the memory (a view is closed when its owner is). */
    private DeviceArray owner;
    /** The last view made of this array, handed out again for the same type so launch loops allocate nothing. */
    private DeviceArray lastView;

    protected DeviceArray(Accelerator accelerator, Class<? extends TornadoNativeArray> type, long length,
                          CachingAllocator.Allocation<?> allocation) {
        this.accelerator = accelerator;
        this.type = type;
        this.length = length;
        this.elementBytes = ArrayTypes.elementBytes(type);
        this.allocation = allocation;
    }

    public final Accelerator accelerator() {
        return accelerator;
    }

    /** The Loris array class of the elements, e.g. FloatArray.class. */
    public final Class<? extends TornadoNativeArray> arrayType() {
        return type;
    }

    public final long length() {
        return length;
    }

    public final int elementBytes() {
        return elementBytes;
    }

    public final long byteSize() {
        return length * elementBytes;
    }

    /** Copies all of {@code host} to the start of this array; returns when the copy is done. */
    public final void copyFrom(TornadoNativeArray host) {
        MemorySegment segment = hostSegment(host, "copyFrom");
        if (segment.byteSize() > 0) {
            writeHost(segment, null);
        }
    }

    /** Queues a copy of all of {@code host} to the start of this array on {@code stream}. */
    public final void copyFromAsync(TornadoNativeArray host, DeviceStream stream) {
        MemorySegment segment = hostSegment(host, "copyFromAsync");
        if (segment.byteSize() > 0) {
            writeHost(segment, ownStream(stream));
        }
    }

    /**
     * Fills all of {@code host} from the start of this array; returns when the copy is done. The host waited
     * for the device, so a division by zero a kernel recorded is raised here
     * ({@link dev.loris.tornado.api.DivisionByZeroException}, after the copy).
     */
    public final void copyTo(TornadoNativeArray host) {
        MemorySegment segment = hostSegment(host, "copyTo");
        if (segment.byteSize() > 0) {
            readHost(segment, null);
        }
        // A blocking copy waits for all earlier work: OpenCL has one in-order queue, and CUDA's synchronous
        // copies run on the legacy default stream, which waits for the accelerator's (blocking) streams.
        accelerator.checkFaults(null, true);
    }

    /** Queues a copy filling all of {@code host} from the start of this array on {@code stream}. */
    public final void copyToAsync(TornadoNativeArray host, DeviceStream stream) {
        MemorySegment segment = hostSegment(host, "copyToAsync");
        if (segment.byteSize() > 0) {
            readHost(segment, ownStream(stream));
        }
    }

    /** Copies all of {@code source} (same accelerator and type, not longer) to the start of this array. */
    public final void copyFrom(DeviceArray source) {
        requireOpen("copyFrom");
        source.requireOpen("copyFrom");
        if (source.accelerator != accelerator || source.type != type || source.length > length) {
            throw new LorisException("cannot copy " + source + " into " + this,
                    "a device copy needs two arrays of one accelerator and one type, the source not longer");
        }
        if (source.byteSize() > 0) {
            copyDevice(source, source.byteSize());
        }
    }

    /** Sets every byte to {@code value}. */
    public final void fillBytes(byte value) {
        requireOpen("fillBytes");
        fill(value);
    }

    /** Sets every byte to 0xFF: NaN as f32, f64, f16 or bf16, -1 as any integer. */
    public final void poison() {
        fillBytes((byte) 0xFF);
    }

    public final boolean isClosed() {
        return closed || accelerator.isClosed() || (owner != null && owner.isClosed());
    }

    /**
     * The same memory seen as another element type, e.g. bf16 data as a LongArray so a kernel moves four
     * values per 8-byte load. Little-endian on every backend we run: element 4k of the bf16 array is the
     * low 16 bits of long k. The view owns nothing: closing it does nothing, closing this array closes it.
     * Asking again for the same type gives the same view object (no allocation in a launch loop).
     */
    public final DeviceArray view(Class<? extends TornadoNativeArray> viewType) {
        requireOpen("view");
        DeviceArray last = lastView;
        if (last != null && last.type == viewType && !last.closed) {
            return last;
        }
        int bytes = ArrayTypes.elementBytes(viewType);
        if (byteSize() % bytes != 0) {
            throw new LorisException("cannot view " + this + " as " + viewType.getSimpleName() + ": "
                    + byteSize() + " bytes is not a whole number of " + bytes + "-byte elements",
                    "view arrays whose byte size the new element size divides (pad the length)");
        }
        DeviceArray view = createView(viewType, byteSize() / bytes);
        view.owner = this;
        lastView = view;
        return view;
    }

    /** A non-owning array over this one's memory. */
    protected abstract DeviceArray createView(Class<? extends TornadoNativeArray> viewType, long viewLength);

    /** Returns the memory to the accelerator (its cache); later use throws. Idempotent. */
    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            if (allocation != null && !accelerator.isClosed()) {
                allocation.release();
            }
        }
    }

    final void requireOpen(String operation) {
        if (isClosed()) {
            throw new IllegalStateException(operation + " on " + this + ", which is closed"
                    + (accelerator.isClosed() ? " (its accelerator was closed)" : ""));
        }
    }

    private MemorySegment hostSegment(TornadoNativeArray host, String operation) {
        requireOpen(operation);
        if (host.getClass() != type || host.length() > length) {
            throw new LorisException(operation + " between " + this + " and the host array " + host
                    + ": the types differ or the host array is longer",
                    "copy a host array of the same type, at most as long as the device array");
        }
        return host.getSegment();
    }

    private DeviceStream ownStream(DeviceStream stream) {
        if (stream.accelerator() != accelerator) {
            throw new IllegalArgumentException(stream + " belongs to " + stream.accelerator() + ", not to "
                    + accelerator);
        }
        return stream;
    }

    /** Host to device; {@code stream} null means synchronous. */
    protected abstract void writeHost(MemorySegment host, DeviceStream stream);

    /** Device to host; {@code stream} null means synchronous. */
    protected abstract void readHost(MemorySegment host, DeviceStream stream);

    /** {@code bytes} from the start of {@code source} to the start of this array, in stream order. */
    protected abstract void copyDevice(DeviceArray source, long bytes);

    protected abstract void fill(byte value);

    @Override
    public String toString() {
        return type.getSimpleName() + "[" + length + "] on " + accelerator.spec();
    }
}
