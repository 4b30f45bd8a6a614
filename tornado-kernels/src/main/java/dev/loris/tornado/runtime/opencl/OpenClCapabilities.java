package dev.loris.tornado.runtime.opencl;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one OpenCL device can do, read once when it is opened: the facts a code generator and a launcher need
 * to choose types, build options and work-group sizes.
 *
 * <p>Properties that only newer devices report (double and sub-group queries) read as 0 where the driver
 * rejects the query, so a 1.2 device opens like a 3.0 one.
 *
 * @param kind                       "gpu", "cpu", "accelerator" or "other"
 * @param extensions                 the extension names the device lists, such as cl_khr_fp64
 * @param correctlyRoundedDivideSqrt whether the build option -cl-fp32-correctly-rounded-divide-sqrt is allowed
 * @param maxWorkItemSizes           the largest work-group extent per dimension
 * @param baseAddressAlignBytes      the alignment of every buffer's start, in bytes
 * @param maxSubGroups               most sub-groups per work-group (OpenCL 2.1 and later), else 0
 */
public record OpenClCapabilities(String name, String vendor, String kind, String deviceVersion,
                                 String openClCVersion, String driverVersion, Set<String> extensions,
                                 boolean supportsFp64, boolean supportsFp16, boolean correctlyRoundedDivideSqrt,
                                 long maxWorkGroupSize, List<Long> maxWorkItemSizes, long localMemBytes,
                                 long maxAllocBytes, long globalMemBytes, int addressBits,
                                 int baseAddressAlignBytes, int computeUnits, int maxSubGroups) {
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)");

    public OpenClCapabilities {
        extensions = Set.copyOf(extensions);
        maxWorkItemSizes = List.copyOf(maxWorkItemSizes);
    }

    /** Queries the device through the loader. */
    public static OpenClCapabilities query(OpenCl cl, MemorySegment device) {
        String deviceVersion = cl.deviceString(device, OpenCl.CL_DEVICE_VERSION);
        Set<String> extensions = new LinkedHashSet<>(
                Arrays.asList(cl.deviceString(device, OpenCl.CL_DEVICE_EXTENSIONS).split("\\s+")));
        extensions.remove("");
        long doubleConfig = orZero(() -> cl.deviceLong(device, OpenCl.CL_DEVICE_DOUBLE_FP_CONFIG));
        long singleConfig = cl.deviceLong(device, OpenCl.CL_DEVICE_SINGLE_FP_CONFIG);
        int subGroups = versionAtLeast(deviceVersion, 2, 1)
                ? (int) orZero(() -> cl.deviceInt(device, OpenCl.CL_DEVICE_MAX_NUM_SUB_GROUPS)) : 0;
        return new OpenClCapabilities(
                cl.deviceString(device, OpenCl.CL_DEVICE_NAME),
                cl.deviceString(device, OpenCl.CL_DEVICE_VENDOR),
                kind(cl.deviceLong(device, OpenCl.CL_DEVICE_TYPE)),
                deviceVersion,
                cl.deviceString(device, OpenCl.CL_DEVICE_OPENCL_C_VERSION),
                cl.deviceString(device, OpenCl.CL_DRIVER_VERSION),
                extensions,
                extensions.contains("cl_khr_fp64") || doubleConfig != 0,
                extensions.contains("cl_khr_fp16"),
                (singleConfig & OpenCl.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0,
                cl.deviceSize(device, OpenCl.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                Arrays.stream(cl.deviceSizes(device, OpenCl.CL_DEVICE_MAX_WORK_ITEM_SIZES)).boxed().toList(),
                cl.deviceLong(device, OpenCl.CL_DEVICE_LOCAL_MEM_SIZE),
                cl.deviceLong(device, OpenCl.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                cl.deviceLong(device, OpenCl.CL_DEVICE_GLOBAL_MEM_SIZE),
                cl.deviceInt(device, OpenCl.CL_DEVICE_ADDRESS_BITS),
                cl.deviceInt(device, OpenCl.CL_DEVICE_MEM_BASE_ADDR_ALIGN) / 8,
                cl.deviceInt(device, OpenCl.CL_DEVICE_MAX_COMPUTE_UNITS),
                subGroups);
    }

    public boolean hasExtension(String extension) {
        return extensions.contains(extension);
    }

    /** Whether kernels may call sub_group_* built-ins (the KHR extension or Intel's). */
    public boolean supportsSubGroups() {
        return hasExtension("cl_khr_subgroups") || hasExtension("cl_intel_subgroups");
    }

    /**
     * Whether kernels may call sub_group_shuffle and sub_group_shuffle_xor (cl_khr_subgroup_shuffle) and the
     * sub-group size can be asked of a built kernel (OpenCL 2.1 or later), which simd operations need.
     */
    public boolean supportsSubGroupShuffles() {
        return hasExtension("cl_khr_subgroup_shuffle") && deviceVersionAtLeast(2, 1);
    }

    /** Whether the device's OpenCL version ("OpenCL 3.0 ...") is at least major.minor. */
    public boolean deviceVersionAtLeast(int major, int minor) {
        return versionAtLeast(deviceVersion, major, minor);
    }

    /** Whether the device compiles OpenCL C ("OpenCL C 1.2 ...") of at least major.minor. */
    public boolean openClCVersionAtLeast(int major, int minor) {
        return versionAtLeast(openClCVersion, major, minor);
    }

    static boolean versionAtLeast(String versionText, int major, int minor) {
        Matcher m = VERSION.matcher(versionText);
        if (!m.find()) {
            return false;
        }
        int foundMajor = Integer.parseInt(m.group(1));
        int foundMinor = Integer.parseInt(m.group(2));
        return foundMajor > major || (foundMajor == major && foundMinor >= minor);
    }

    private static String kind(long type) {
        return (type & OpenCl.CL_DEVICE_TYPE_GPU) != 0 ? "gpu"
                : (type & OpenCl.CL_DEVICE_TYPE_CPU) != 0 ? "cpu"
                : (type & OpenCl.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
    }

    private static long orZero(LongSupplier query) {
        try {
            return query.getAsLong();
        } catch (OpenClException notReported) {
            return 0;
        }
    }
}
