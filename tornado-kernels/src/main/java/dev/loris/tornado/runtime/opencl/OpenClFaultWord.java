package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.FaultWord;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fault word on an OpenCL device: a four-byte buffer (outside the caching allocator, so memory
 * statistics only show the user's arrays), read blocking into native memory kept for it. The device's one
 * in-order queue orders every read and clear after all work queued before.
 */
final class OpenClFaultWord extends FaultWord {
    private final OpenClBuffer word;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment host = arena.allocate(ValueLayout.JAVA_INT);

    OpenClFaultWord(OpenClDevice device, String spec) {
        super(spec);
        this.word = device.allocate(Integer.BYTES);
        try {
            word.fillInt(0);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The buffer kernels take as their fault-word argument. */
    OpenClBuffer buffer() {
        return word;
    }

    @Override
    protected int read(DeviceStream stream) {
        word.read(host);
        return host.get(ValueLayout.JAVA_INT, 0);
    }

    @Override
    protected void clear() {
        word.fillInt(0);
    }

    @Override
    public void close() {
        try {
            word.close();
        } finally {
            arena.close();
        }
    }
}
