package dev.loris.tornado.kernels;

import dev.loris.testing.Ptxas;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tensor-core attention backward's PTX for head_dim 64, 128 (the fast sizes) and 256 (the Wide kernels,
 * two column blocks): the products are mma.sync with fragments in registers (no .local arrays), the tiles are
 * dynamic shared memory, the softmax is one ex2.approx per score, and ptxas (where installed) assembles both
 * kernels for sm_80 and sm_90 without spills (ptxas 13.0, sm_90, registers: dK/dV 168 / 240 / 239 at head_dim
 * 64 / 128 / 256, dQ 134 / 170 / 170).
 */
class FlashAttentionPtxTest {
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256})
    void backwardKernelsAreTensorCoreProductsInRegisters(int headDim) {
        boolean wide = FlashAttentionBackward.wide(headDim);
        int tileBytes = 2 * (wide ? FlashAttentionBackward.WIDE_TILE : FlashAttentionBackward.TILE);
        // mma.sync in the text: dK/dV at head_dim 64 unrolls its two steps of 32 queries (S^T, dP^T: 64 each;
        // dV, dK: 32 each per step); at 128 and 256 one step of 16 queries stays a loop. dQ: S and dP
        // (headDim / 2 each) and dQ += dS K (columns / 2) per key tile.
        int keyValueProducts = switch (headDim) {
            case 64 -> 128;
            case 128 -> 64;
            default -> 96;
        };
        int columns = headDim / FlashAttentionBackward.columnBlocks(headDim);
        check("keyValueGradients" + (wide ? "Wide" : ""), Map.of(FlashAttentionBackward.PARAM_HEAD_DIM_KEY_VALUE,
                headDim, FlashAttentionBackward.PARAM_SOFT_CAP_KEY_VALUE, 0f), keyValueProducts, 4 * tileBytes);
        check("queryGradients" + (wide ? "Wide" : ""), Map.of(FlashAttentionBackward.PARAM_HEAD_DIM_QUERY, headDim,
                FlashAttentionBackward.PARAM_SOFT_CAP_QUERY, 0f), headDim + columns / 2, 4 * tileBytes);
    }

    /** Compiled as the launchers compile it: head_dim and the soft-cap (0, Llama's case) fixed. */
    private static void check(String kernel, Map<Integer, Object> constants, int products, int sharedBytes) {
        var method = SuiteInputs.kernel(FlashAttentionBackward.class, kernel);
        var graph = KernelCompiler.devicePtxGraph(method, constants);
        String headDim = constants.toString();
        assertTrue(PtxEmitter.dynamicSharedBytes(graph) >= sharedBytes, kernel + " " + headDim);
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            String text = PtxEmitter.emit(KernelCompiler.devicePtxGraph(method, constants),
                    new PtxEmitter.Options(arch, false));
            assertEquals(products, count(text, "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"),
                    kernel + " " + headDim);
            assertFalse(text.contains(".local"), kernel + ": fragments must stay in registers");
            assertTrue(text.contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"), kernel);
            assertTrue(text.contains("ex2.approx.ftz.f32"), kernel);
            String output = Ptxas.assertAssembles(text, arch);
            assertTrue(output.contains(" 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"),
                    kernel + " " + headDim + " " + arch + ":\n" + output);
        }
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }
}
