package dev.loris.tornado.runtime.cuda;

import java.util.Map;

import static java.util.Map.entry;

/** What a user can do about the CUresults they are likely to meet; the driver supplies the names. */
final class CudaErrors {
    /** CUresult 2: cuMemAlloc could not find the bytes asked for. */
    static final int OUT_OF_MEMORY = 2;
    /** CUresult 1: an argument the driver rejects; also what cuFuncGetParamInfo returns past the last one. */
    static final int INVALID_VALUE = 1;

    private static final Map<Integer, String> HINTS = Map.ofEntries(
            entry(OUT_OF_MEMORY, "the GPU is out of memory: use a smaller batch or sequence length, "
                    + "or free other GPU processes"),
            entry(3, "the CUDA driver failed to initialise: check that nvidia-smi works"),
            entry(35, "the installed NVIDIA driver is older than this code needs: update the driver"),
            entry(100, "the NVIDIA driver sees no GPU: check nvidia-smi and CUDA_VISIBLE_DEVICES"),
            entry(101, "no such device ordinal: run 'loris devices' to see the CUDA devices"),
            entry(200, "the driver rejected the compiled kernel image (PTX/cubin)"),
            entry(209, "the kernel was compiled for another GPU architecture: report it with --debug output"),
            entry(218, "the driver's PTX JIT rejected the generated PTX: report it with --debug output"),
            entry(222, "the generated PTX needs a newer driver than the one installed: update the NVIDIA driver"),
            entry(500, "the loaded module has no kernel of that name: report it with --debug output"),
            entry(700, "a kernel accessed memory out of bounds; the GPU context is unusable until Loris restarts: "
                    + "report it with --debug output"),
            entry(701, "the kernel needs more registers or shared memory than this block size allows: "
                    + "report it with --debug output"),
            entry(719, "a kernel failed on the GPU; the GPU context is unusable until Loris restarts: "
                    + "report it with --debug output"),
            entry(999, "unknown CUDA error: check dmesg and nvidia-smi"));

    private CudaErrors() {
    }

    static String hint(int code) {
        return HINTS.getOrDefault(code, "");
    }
}
