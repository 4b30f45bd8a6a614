package dev.loris.tornado.runtime.opencl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The live resources of one device, in creation order, with the buffer statistics that leak tests and memory
 * reports read. Synchronized because a resource may be closed on another thread than the one that made it.
 */
final class OpenClLedger {
    private final Set<OpenClResource> live = new LinkedHashSet<>();
    private int buffers;
    private long bufferBytes;
    private long peakBufferBytes;

    synchronized void add(OpenClResource resource) {
        live.add(resource);
        if (resource instanceof OpenClBuffer buffer) {
            buffers++;
            bufferBytes += buffer.bytes();
            peakBufferBytes = Math.max(peakBufferBytes, bufferBytes);
        }
    }

    synchronized void remove(OpenClResource resource) {
        if (live.remove(resource) && resource instanceof OpenClBuffer buffer) {
            buffers--;
            bufferBytes -= buffer.bytes();
        }
    }

    /** Live resources, newest first: the order to release them in, kernels before their programs. */
    synchronized List<OpenClResource> newestFirst() {
        return new ArrayList<>(live).reversed();
    }

    synchronized int liveObjects() {
        return live.size();
    }

    synchronized int liveBuffers() {
        return buffers;
    }

    synchronized long liveBytes() {
        return bufferBytes;
    }

    synchronized long peakBytes() {
        return peakBufferBytes;
    }
}
