package dev.loris.tornado.kernels;

import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Scratch (not committed): writes the attention kernels' PTX to /tmp/ptx. */
class ScratchPtxDump {
    @Test
    void dump() throws Exception {
        for (int hd : new int[] {64, 128, 256}) {
            String s = hd > 128 ? "Wide" : "";
            write(FlashAttentionBackward.class, "keyValueGradients" + s, FlashAttentionBackward.PARAM_HEAD_DIM_KEY_VALUE, hd, FlashAttentionBackward.PARAM_SOFT_CAP_KEY_VALUE);
            write(FlashAttentionBackward.class, "queryGradients" + s, FlashAttentionBackward.PARAM_HEAD_DIM_QUERY, hd, FlashAttentionBackward.PARAM_SOFT_CAP_QUERY);
            if (hd <= 128) {
                write(FlashAttention.class, "forwardBf16", FlashAttention.PARAM_HEAD_DIM, hd, FlashAttention.PARAM_SOFT_CAP);
            }
        }
    }

    private static void write(Class<?> owner, String kernel, int param, int hd, int capParam) throws Exception {
        if (System.getenv("NOIF") != null) System.setProperty("noif", "true");
        var graph = KernelCompiler.devicePtxGraph(SuiteInputs.kernel(owner, kernel), Map.of(param, hd, capParam, 0f));
        String text = PtxEmitter.emit(graph, new PtxEmitter.Options("sm_90", false));
        Files.writeString(Path.of(System.getenv().getOrDefault("PTXDIR", "/tmp/ptx") + "/" + kernel + hd + ".ptx"), text);
    }
}
