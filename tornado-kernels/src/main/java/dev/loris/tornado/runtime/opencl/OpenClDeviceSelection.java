package dev.loris.tornado.runtime.opencl;

import dev.loris.LorisException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the platform and device an {@link OpenClDevice} opens: by index, as {@code loris devices} lists them,
 * or the first GPU (any device when there is none). Every way of finding nothing is a {@link LorisException}
 * that says what is missing.
 */
final class OpenClDeviceSelection {
    /** A device and the platform it belongs to. */
    record Choice(MemorySegment platform, MemorySegment device, String platformName) {
    }

    /** The loader, bound once per process: binding its entry points costs more than opening a device. */
    private static final class Loader {
        static final Optional<OpenCl> LOADED = OpenCl.load();
    }

    private OpenClDeviceSelection() {
    }

    static OpenCl loader() {
        return Loader.LOADED.orElseThrow(() -> new LorisException("OpenCL is not installed: no ICD loader"
                + " (libOpenCL.so.1) was found",
                "install ocl-icd-libopencl1 and a driver, such as pocl-opencl-icd for CPUs or your GPU vendor's"));
    }

    static Choice byIndex(OpenCl cl, int platformIndex, int deviceIndex) {
        List<MemorySegment> platforms = platforms(cl);
        if (platformIndex < 0 || platformIndex >= platforms.size()) {
            throw new LorisException("there is no OpenCL platform " + platformIndex + ": " + platforms.size()
                    + " are registered (numbered from 0)", "run 'loris devices' to list them");
        }
        MemorySegment platform = platforms.get(platformIndex);
        String platformName = cl.platformString(platform, OpenCl.CL_PLATFORM_NAME);
        List<MemorySegment> devices = cl.devices(platform);
        if (deviceIndex < 0 || deviceIndex >= devices.size()) {
            throw new LorisException("OpenCL platform " + platformIndex + " ('" + platformName + "') has no device "
                    + deviceIndex + ": it has " + devices.size() + " (numbered from 0)",
                    "run 'loris devices' to list them");
        }
        return new Choice(platform, devices.get(deviceIndex), platformName);
    }

    /** Device {@code index} counted over all platforms in order. */
    static Choice byOverallIndex(OpenCl cl, int index) {
        int seen = 0;
        List<String> names = new ArrayList<>();
        for (MemorySegment platform : platforms(cl)) {
            String platformName = cl.platformString(platform, OpenCl.CL_PLATFORM_NAME);
            for (MemorySegment device : cl.devices(platform)) {
                if (seen++ == index) {
                    return new Choice(platform, device, platformName);
                }
                names.add(cl.deviceString(device, OpenCl.CL_DEVICE_NAME) + " (" + platformName + ")");
            }
        }
        throw new LorisException("there is no OpenCL device " + index + ": " + seen + " are available (numbered from"
                + " 0 over all platforms: " + String.join(", ", names) + ")", "run 'loris devices' to list them");
    }

    /** The first GPU of the first platform that has one, else the first device of any kind. */
    static Choice preferred(OpenCl cl) {
        Choice fallback = null;
        for (MemorySegment platform : platforms(cl)) {
            for (MemorySegment device : cl.devices(platform)) {
                boolean gpu = (cl.deviceLong(device, OpenCl.CL_DEVICE_TYPE) & OpenCl.CL_DEVICE_TYPE_GPU) != 0;
                if (gpu || fallback == null) {
                    Choice choice = new Choice(platform, device, cl.platformString(platform, OpenCl.CL_PLATFORM_NAME));
                    if (gpu) {
                        return choice;
                    }
                    fallback = choice;
                }
            }
        }
        if (fallback == null) {
            throw new LorisException("no OpenCL device: the registered OpenCL drivers report no devices",
                    "check that the GPU driver is loaded, or install pocl-opencl-icd to run on the CPU");
        }
        return fallback;
    }

    private static List<MemorySegment> platforms(OpenCl cl) {
        List<MemorySegment> platforms = cl.platforms();
        if (platforms.isEmpty()) {
            throw new LorisException("no OpenCL platform: the ICD loader " + cl.libraryName() + " found no driver"
                    + " registered in /etc/OpenCL/vendors",
                    "install one, such as pocl-opencl-icd for CPUs or your GPU vendor's OpenCL driver");
        }
        return platforms;
    }
}
