package dev.loris.gguf.export;

import dev.loris.gguf.GgmlType;

import java.util.ArrayList;
import java.util.List;

/**
 * The ggml type of each tensor for a file type, as llama.cpp's llama-quantize chooses it without an
 * importance matrix (llama_tensor_get_type in llama-quant.cpp), for dense llama / qwen2 / qwen3 models:
 * <ul>
 *   <li>1-D tensors (norms, biases, rope_freqs) stay F32; F32/F16/BF16 files put every 2-D weight in that type;</li>
 *   <li>output.weight (or token_embd.weight when the embeddings are tied) goes to Q6_K, or Q8_0 when its rows
 *       do not split into 256 (a Q8_0 file keeps Q8_0);</li>
 *   <li>Q4_K_M and Q5_K_M give attn_v and ffn_down Q6_K in the layers {@link #useMoreBits} picks;</li>
 *   <li>then the shape fallback: rows not splitting into the type's block turn Q4_K into Q5_0, Q5_K into
 *       Q5_1, Q6_K into Q8_0, and anything still not fitting into F16 (each reported in {@link #fallbacks}).</li>
 * </ul>
 * Not done: the 70B-class bump of attn_v (llama.cpp decides it by parameter count) and the mixture-of-experts
 * rules; Loris exports no such models.
 */
public final class QuantMix {
    private final GgufFileType fileType;
    private final boolean tiedEmbeddings;
    private final int layers;
    private final List<String> fallbacks = new ArrayList<>();

    public QuantMix(GgufFileType fileType, boolean tiedEmbeddings, int layers) {
        this.fileType = fileType;
        this.tiedEmbeddings = tiedEmbeddings;
        this.layers = layers;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /** The type of tensor {@code name} (GGUF name) with {@code dims} dimensions and rows of {@code rowLength}. */
    public GgmlType typeOf(String name, int dims, long rowLength, int layer) {
        if (dims < 2 || !name.endsWith("weight") || name.contains("_norm.weight")) {
            return GgmlType.F32;
        }
        GgmlType wanted = fileType.defaultType();
        if (!wanted.quantized()) {
            return wanted;
        }
        boolean output = name.equals("output.weight") || (tiedEmbeddings && name.equals("token_embd.weight"));
        if (output) {
            if (rowLength % wanted.blockSize() != 0) {
                wanted = GgmlType.Q8_0;
            } else if (wanted != GgmlType.Q8_0) {
                wanted = GgmlType.Q6_K;
            }
        } else if (fileType == GgufFileType.Q4_K_M || fileType == GgufFileType.Q5_K_M) {
            boolean sensitive = name.contains("attn_v.weight") || name.contains("ffn_down");
            if (sensitive && useMoreBits(layer, layers)) {
                wanted = GgmlType.Q6_K;
            }
        }
        return fallback(name, wanted, rowLength);
    }

    private GgmlType fallback(String name, GgmlType wanted, long rowLength) {
        if (wanted.fits(rowLength)) {
            return wanted;
        }
        GgmlType chosen = switch (wanted) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> wanted;
        };
        if (!chosen.fits(rowLength)) {
            chosen = GgmlType.F16;
        }
        fallbacks.add(name + ": rows of " + rowLength + " do not split into " + wanted + "'s blocks of "
                + wanted.blockSize() + ", written as " + chosen);
        return chosen;
    }

    /** One line per tensor that fell back to another type, as llama-quantize warns. */
    public List<String> fallbacks() {
        return List.copyOf(fallbacks);
    }
}
