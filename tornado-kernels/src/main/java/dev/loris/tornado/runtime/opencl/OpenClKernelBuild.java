package dev.loris.tornado.runtime.opencl;

import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opencl.OpenClWarps;

/**
 * A kernel graph built for one OpenCL device, with its simd (warp) operations lowered the way the device
 * allows (see {@link OpenClWarps}): through sub-group shuffles where the device has cl_khr_subgroup_shuffle
 * and the built kernel's sub-groups are 32 wide for every power-of-two work-group from 32 up to its limit,
 * else through local memory and barriers (which some kernels cannot use: the emitter says which line).
 * NVIDIA's and AMD's OpenCL and PoCL 3 list no sub-group shuffles, so they take the local-memory way.
 *
 * <p>The sub-group build asks for OpenCL C 3.0 (or 2.0): compilers declare the sub-group built-ins only from
 * OpenCL C 2.0 on, and without -cl-std a program is compiled as OpenCL C 1.2.
 *
 * @param source  the OpenCL C that was built
 * @param program the built program, owned by the device
 * @param entry   the name of its __kernel function
 */
record OpenClKernelBuild(String source, OpenClProgram program, String entry) {
    private static final String REQUIRED_SUB_GROUP_SIZE = "cl_intel_required_subgroup_size";

    static OpenClKernelBuild of(OpenClDevice device, Graph graph, String options) {
        String entry = OpenClEmitter.entryName(graph.name);
        boolean simd = OpenClEmitter.usesSimd(graph);
        if (simd && device.capabilities().supportsSubGroupShuffles() && !languageVersion(device).isEmpty()) {
            OpenClKernelBuild withSubGroups = withSubGroups(device, graph, options, entry);
            if (withSubGroups != null) {
                return withSubGroups;
            }
        }
        OpenClWarps warps = simd ? OpenClWarps.localMemory(device.maxWorkGroupSize()) : OpenClWarps.UNAVAILABLE;
        String source = OpenClEmitter.emit(graph, false, warps);
        return new OpenClKernelBuild(source, device.build(source, options), entry);
    }

    /**
     * The build with sub-group shuffles, or null when the device's compiler rejects it or its sub-groups are
     * not 32 wide: lanes would then not be KernelContext's, and the local-memory build is the correct one.
     */
    private static OpenClKernelBuild withSubGroups(OpenClDevice device, Graph graph, String options, String entry) {
        OpenClCapabilities capabilities = device.capabilities();
        OpenClWarps warps = OpenClWarps.subGroupShuffles(
                capabilities.hasExtension(OpenClWarps.RELATIVE_SHUFFLE_EXTENSION),
                capabilities.hasExtension(REQUIRED_SUB_GROUP_SIZE));
        String source = OpenClEmitter.emit(graph, false, warps);
        OpenClProgram program;
        try {
            program = device.build(source, (options + " " + languageVersion(device)).strip());
        } catch (OpenClException rejected) { // the source or the -cl-std option; the fallback will say if it was us
            return null;
        }
        if (subGroupsAre32Wide(program, entry)) {
            return new OpenClKernelBuild(source, program, entry);
        }
        program.close();
        return null;
    }

    /** The -cl-std option for the newest OpenCL C of 2.0 and later the device compiles, or "" for none. */
    private static String languageVersion(OpenClDevice device) {
        OpenClCapabilities capabilities = device.capabilities();
        return capabilities.openClCVersionAtLeast(3, 0) ? "-cl-std=CL3.0"
                : capabilities.openClCVersionAtLeast(2, 0) ? "-cl-std=CL2.0" : "";
    }

    private static boolean subGroupsAre32Wide(OpenClProgram program, String entry) {
        try (OpenClKernel kernel = program.kernel(entry)) {
            long largest = kernel.maxWorkGroupSize();
            for (long local = 32; local <= largest; local *= 2) {
                if (kernel.maxSubGroupSize(local) != 32) {
                    return false;
                }
            }
            return largest >= 32;
        } catch (OpenClException cannotSay) {
            return false;
        }
    }
}
