package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.runtime.Units;

/**
 * A device buffer the driver would not allocate: more than one buffer may hold, or more than the device has
 * left. The message names the request and the device's limits, so a user can see how far off they are.
 */
public final class OpenClAllocationException extends OpenClException {
    private final long requestedBytes;
    private final long maxAllocBytes;
    private final long globalMemBytes;

    /**
     * @param liveBytes what this device's live buffers already hold, to tell "too big" from "too full"
     */
    OpenClAllocationException(int code, String deviceName, long requestedBytes, long maxAllocBytes,
                              long globalMemBytes, long liveBytes) {
        super(code, "cannot allocate " + Units.bytes(requestedBytes) + " (" + requestedBytes
                        + " bytes) on OpenCL device '" + deviceName + "': " + codeText(code)
                        + "; one buffer may hold at most " + Units.bytes(maxAllocBytes) + " (" + maxAllocBytes
                        + " bytes) and the device has " + Units.bytes(globalMemBytes) + " of global memory, of which"
                        + " Loris' live buffers hold " + Units.bytes(liveBytes),
                "use smaller batches or shorter sequences, or a device with more memory");
        this.requestedBytes = requestedBytes;
        this.maxAllocBytes = maxAllocBytes;
        this.globalMemBytes = globalMemBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long maxAllocBytes() {
        return maxAllocBytes;
    }

    public long globalMemBytes() {
        return globalMemBytes;
    }
}
