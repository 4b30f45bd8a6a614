package dev.loris.tornado.compiler.opencl;

/**
 * How simd (warp) operations become OpenCL C for one device, decided when the kernel is built for it (the
 * runtime reads the device's extensions and sub-group size). Lanes are always what KernelContext defines:
 * 32 consecutive linear local ids.
 *
 * <ul>
 * <li>{@link Kind#SUB_GROUP_SHUFFLES}: {@code sub_group_shuffle_down} / {@code _xor} / {@code sub_group_shuffle}
 *     from cl_khr_subgroup_shuffle(_relative). Correct only where sub-groups are exactly 32 consecutive
 *     linear local ids, which the runtime checks (CL_KERNEL_MAX_SUB_GROUP_SIZE_FOR_NDRANGE) before using it;
 *     the same contract as the JVM and PTX (the 32 lanes of a warp call together, other warps may skip).</li>
 * <li>{@link Kind#LOCAL_MEMORY}: every exchange goes through a hidden {@code __local} array of one slot per
 *     work-item (sized for the device's largest work-group) between two work-group barriers. Stricter
 *     contract: every work-item of the group must reach each simd operation, as with a barrier; the emitter
 *     refuses kernels where some might not (see {@code GroupDivergence}).</li>
 * <li>{@link Kind#UNAVAILABLE}: no device known; a kernel with simd operations does not compile.</li>
 * </ul>
 *
 * @param relativeShuffles      cl_khr_subgroup_shuffle_relative is there (shuffle down uses it)
 * @param requireSubGroupSize32 mark the kernel {@code intel_reqd_sub_group_size(32)} (cl_intel_required_subgroup_size)
 * @param scratchItems          LOCAL_MEMORY: slots of the hidden array, the device's largest work-group
 */
public record OpenClWarps(Kind kind, boolean relativeShuffles, boolean requireSubGroupSize32, long scratchItems) {
    public enum Kind { UNAVAILABLE, SUB_GROUP_SHUFFLES, LOCAL_MEMORY }

    /** The extension name the sub-group path needs, for messages. */
    public static final String SHUFFLE_EXTENSION = "cl_khr_subgroup_shuffle";
    public static final String RELATIVE_SHUFFLE_EXTENSION = "cl_khr_subgroup_shuffle_relative";

    public static final OpenClWarps UNAVAILABLE = new OpenClWarps(Kind.UNAVAILABLE, false, false, 0);

    public static OpenClWarps subGroupShuffles(boolean relativeShuffles, boolean requireSubGroupSize32) {
        return new OpenClWarps(Kind.SUB_GROUP_SHUFFLES, relativeShuffles, requireSubGroupSize32, 0);
    }

    public static OpenClWarps localMemory(long maxWorkGroupItems) {
        if (maxWorkGroupItems < 1) {
            throw new IllegalArgumentException("a work-group of " + maxWorkGroupItems + " items");
        }
        return new OpenClWarps(Kind.LOCAL_MEMORY, false, false, maxWorkGroupItems);
    }
}
