package dev.loris.tornado.runtime.cuda;

import java.util.Map;

/** What a user can do about the CUresults they are likely to meet; the driver supplies the names. */
final class CudaErrors {
    private static final Map<Integer, String> HINTS = Map.of(
            2, "the GPU is out of memory: use a smaller batch or sequence length, or free other GPU processes",
            3, "the CUDA driver failed to initialise: check that nvidia-smi works",
            35, "the installed NVIDIA driver is older than this code needs: update the driver",
            100, "the NVIDIA driver sees no GPU: check nvidia-smi and CUDA_VISIBLE_DEVICES",
            101, "no such device ordinal: run 'loris devices' to see the CUDA devices",
            200, "the driver rejected the compiled kernel image (PTX/cubin)",
            218, "the driver's PTX JIT rejected the generated PTX: report it with --debug output",
            222, "the generated PTX needs a newer driver than the one installed: update the NVIDIA driver",
            999, "unknown CUDA error: check dmesg and nvidia-smi");

    private CudaErrors() {
    }

    static String hint(int code) {
        return HINTS.getOrDefault(code, "");
    }
}
