package dev.loris.tornado.runtime;

import java.util.List;

/**
 * One compute device as a backend reports it, for {@code loris devices} and for choosing where to run.
 *
 * @param backend     "JVM", "OpenCL" or "CUDA"
 * @param platform    the OpenCL platform name; the driver version for CUDA; empty for the JVM
 * @param index       the device's index within its backend (OpenCL: within its platform)
 * @param name        the device's own name
 * @param kind        "gpu", "cpu", "accelerator" or "jvm"
 * @param memoryBytes global memory (the JVM: maximum heap is not what kernels use, so physical memory)
 * @param facts       further facts worth printing, each already formatted ("compute capability 9.0")
 */
public record DeviceInfo(String backend, String platform, int index, String name, String kind, long memoryBytes,
                         List<String> facts) {
}
