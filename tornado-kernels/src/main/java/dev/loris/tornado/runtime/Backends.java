package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.cuda.CudaDriver;
import dev.loris.tornado.runtime.jvm.JvmBackendInfo;
import dev.loris.tornado.runtime.opencl.OpenCl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds out which backends this machine can run kernels on: the JVM (always), OpenCL (an ICD loader with at
 * least one driver and device) and CUDA (libcuda with at least one device). For a missing backend the
 * status says why and what to install, so {@code loris devices} and skipped tests can tell the user.
 */
public final class Backends {
    private Backends() {
    }

    public static List<BackendStatus> probeAll() {
        return List.of(probeJvm(), probeOpenCl(), probeCuda());
    }

    public static BackendStatus probeJvm() {
        return JvmBackendInfo.status();
    }

    public static BackendStatus probeOpenCl() {
        Optional<OpenCl> loaded = OpenCl.load();
        if (loaded.isEmpty()) {
            return BackendStatus.missing("OpenCL",
                    "no OpenCL ICD loader (libOpenCL.so.1): install ocl-icd-libopencl1 and a driver such as pocl-opencl-icd");
        }
        OpenCl cl = loaded.get();
        try {
            List<MemorySegment> platforms = cl.platforms();
            if (platforms.isEmpty()) {
                return BackendStatus.missing("OpenCL", "the ICD loader found no OpenCL driver (nothing registered in "
                        + "/etc/OpenCL/vendors): install one, e.g. pocl-opencl-icd for CPUs or your GPU vendor's");
            }
            List<DeviceInfo> devices = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            for (MemorySegment platform : platforms) {
                String platformName = cl.platformString(platform, OpenCl.CL_PLATFORM_NAME);
                List<MemorySegment> platformDevices = cl.devices(platform);
                if (platformDevices.isEmpty()) {
                    notes.add("platform '" + platformName + "' has no devices");
                }
                for (int i = 0; i < platformDevices.size(); i++) {
                    devices.add(openClDevice(cl, platformName + " (" + cl.platformString(platform,
                            OpenCl.CL_PLATFORM_VERSION) + ")", i, platformDevices.get(i)));
                }
            }
            String version = platforms.size() + (platforms.size() == 1 ? " platform" : " platforms");
            if (devices.isEmpty()) {
                return new BackendStatus("OpenCL", version, List.of(), "OpenCL drivers are registered but report "
                        + "no devices", List.copyOf(notes));
            }
            return new BackendStatus("OpenCL", version, List.copyOf(devices), "", List.copyOf(notes));
        } catch (LorisException e) {
            return BackendStatus.missing("OpenCL", "the OpenCL driver failed while listing devices: " + e.userMessage());
        }
    }

    private static DeviceInfo openClDevice(OpenCl cl, String platform, int index, MemorySegment device) {
        long type = cl.deviceLong(device, OpenCl.CL_DEVICE_TYPE);
        String kind = (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0 ? "gpu"
                : (type & OpenCl.CL_DEVICE_TYPE_CPU) != 0 ? "cpu"
                : (type & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        List<String> facts = List.of(
                cl.deviceInt(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS) + " compute units",
                Units.bytes(cl.deviceLong(device, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE)) + " local memory",
                "work-groups up to " + cl.deviceSize(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                cl.deviceString(device, OpenCl.CL_DEVICE_OPENCL_C_VERSION),
                "driver " + cl.deviceString(device, OpenCl.CL_DRIVER_VERSION));
        return new DeviceInfo("OpenCL", platform, index, cl.deviceString(device, OpenCl.CL_DEVICE_NAME), kind,
                cl.deviceLong(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE), facts);
    }

    public static BackendStatus probeCuda() {
        Optional<CudaDriver> loaded = CudaDriver.load();
        if (loaded.isEmpty()) {
            return BackendStatus.missing("CUDA", "no libcuda.so.1: the NVIDIA driver is not installed "
                    + "(Loris needs only the driver, not the CUDA toolkit)");
        }
        CudaDriver cuda = loaded.get();
        try {
            cuda.init();
            int driver = cuda.driverVersion();
            String version = "driver API " + driver / 1000 + "." + (driver % 1000) / 10;
            int count = cuda.deviceCount();
            if (count == 0) {
                return BackendStatus.missing("CUDA", "the NVIDIA driver reports no devices");
            }
            List<DeviceInfo> devices = new ArrayList<>();
            for (int ordinal = 0; ordinal < count; ordinal++) {
                int device = cuda.device(ordinal);
                int major = cuda.deviceAttribute(device, CudaDriver.ATTR_COMPUTE_CAPABILITY_MAJOR);
                int minor = cuda.deviceAttribute(device, CudaDriver.ATTR_COMPUTE_CAPABILITY_MINOR);
                int sms = cuda.deviceAttribute(device, CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
                devices.add(new DeviceInfo("CUDA", version, ordinal, cuda.deviceName(device), "gpu",
                        cuda.deviceTotalMemory(device),
                        List.of("compute capability " + major + "." + minor, sms + " multiprocessors")));
            }
            return new BackendStatus("CUDA", version, List.copyOf(devices), "", List.of());
        } catch (LorisException e) {
            return BackendStatus.missing("CUDA", "libcuda loaded but " + e.userMessage());
        }
    }
}
