package dev.loris.tornado.runtime.cuda;

/**
 * The fixed facts about one CUDA device that kernels are tuned by, read once when the device is opened.
 *
 * @param ordinal                     the device's index among those the driver sees (CUDA_VISIBLE_DEVICES applies)
 * @param name                        the device's own name ("NVIDIA H100 80GB HBM3")
 * @param computeCapabilityMajor      9 for sm_90
 * @param computeCapabilityMinor      0 for sm_90
 * @param multiprocessors             streaming multiprocessors (SMs)
 * @param maxThreadsPerBlock          the device's block-size limit (a kernel's own limit may be lower)
 * @param sharedBytesPerBlock         shared memory a block gets without opting in (48 KiB)
 * @param sharedBytesPerBlockOptin    shared memory a block can get after cuFuncSetAttribute opts in
 * @param warpSize                    threads per warp (32 on every NVIDIA GPU so far)
 * @param l2CacheBytes                L2 cache size
 * @param memoryClockKhz              peak memory clock
 * @param memoryBusWidthBits          global memory bus width
 * @param totalMemoryBytes            global memory
 */
public record CudaDeviceProperties(int ordinal, String name, int computeCapabilityMajor, int computeCapabilityMinor,
                                   int multiprocessors, int maxThreadsPerBlock, int sharedBytesPerBlock,
                                   int sharedBytesPerBlockOptin, int warpSize, int l2CacheBytes, int memoryClockKhz,
                                   int memoryBusWidthBits, long totalMemoryBytes) {

    static CudaDeviceProperties query(CudaDriver driver, int device, int ordinal) {
        return new CudaDeviceProperties(ordinal, driver.deviceName(device),
                driver.deviceAttribute(device, CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR),
                driver.deviceAttribute(device, CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR),
                driver.deviceAttribute(device, CudaDriver.ATTR_MULTIPROCESSOR_COUNT),
                driver.deviceAttribute(device, CudaDriver.ATTR_MAX_THREADS_PER_BLOCK),
                driver.deviceAttribute(device, CudaDriver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK),
                driver.deviceAttribute(device, CudaDriver.ATTR_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
                driver.deviceAttribute(device, CudaDriver.ATTR_WARP_SIZE),
                driver.deviceAttribute(device, CudaDriver.ATTR_L2_CACHE_SIZE),
                driver.deviceAttribute(device, CudaDriver.ATTR_MEMORY_CLOCK_RATE_KHZ),
                driver.deviceAttribute(device, CudaDriver.ATTR_GLOBAL_MEMORY_BUS_WIDTH_BITS),
                driver.deviceTotalMemory(device));
    }

    /** The PTX target of this device's architecture, e.g. "sm_90". */
    public String smTarget() {
        return "sm_" + computeCapabilityMajor + computeCapabilityMinor;
    }

    /**
     * Peak DRAM bandwidth in bytes per second: two transfers per memory clock (DDR/HBM) across the bus.
     * H100 SXM: 2 x 2619 MHz x 5120 bits / 8 = 3.35 TB/s, the datasheet figure.
     */
    public double peakMemoryBytesPerSecond() {
        return 2.0 * memoryClockKhz * 1000.0 * memoryBusWidthBits / 8.0;
    }
}
