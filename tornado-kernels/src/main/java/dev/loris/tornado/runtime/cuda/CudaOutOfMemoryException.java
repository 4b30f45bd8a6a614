package dev.loris.tornado.runtime.cuda;

/**
 * cuMemAlloc found no room: the message names the device, the bytes asked for, the bytes free and what
 * Loris itself holds, so a user can tell their batch from another process. A caching allocator catches
 * this to empty its cache and retry.
 */
public final class CudaOutOfMemoryException extends CudaException {
    private final long requestedBytes;
    private final long freeBytes;

    CudaOutOfMemoryException(String message, long requestedBytes, long freeBytes, String hint, CudaException cause) {
        super(message, cause.code(), hint, cause);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    /** Free device memory right after the failure, as cuMemGetInfo reported it. */
    public long freeBytes() {
        return freeBytes;
    }
}
