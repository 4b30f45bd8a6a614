package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.CheckpointRewrite;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.TensorInfo;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Merges a LoRA adapter into its base checkpoint: W' = W + s · B · A for every adapted projection, computed in
 * f32 from the 16-bit base weights on disk (also when training ran on 4-bit weights: the base is read again,
 * never dequantised), then rounded once to the output type; modules trained in full replace their weights. The
 * result is a checkpoint folder transformers loads as it loads the base: safetensors (sharded at 5 GB as
 * save_pretrained does), with config.json, generation_config.json and the tokenizer files copied.
 *
 * <p>Streaming and atomic through {@link CheckpointRewrite}: each merged tensor is computed when the writer
 * reaches it, and the folder appears complete or not at all.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    /**
     * Merges {@code adapter}'s current weights into the checkpoint in {@code baseFolder} and writes the result to
     * {@code out}, replacing what is there; 16-bit output in the base's dtype (bf16 for an f32 base).
     */
    public static void merge(Path baseFolder, LoraAdapter adapter, Path out) {
        merge(baseFolder, adapter.config(), adapter.read(), out, null);
    }

    /** As {@link #merge(Path, LoraAdapter, Path)} with every float weight written as {@code type} (e.g. F32). */
    public static void merge(Path baseFolder, LoraAdapter adapter, Path out, Dtype type) {
        merge(baseFolder, adapter.config(), adapter.read(), out, type);
    }

    /** Merges the PEFT adapter in {@code adapterFolder} (as saved by PEFT or Loris) into {@code baseFolder}. */
    public static void merge(Path baseFolder, Path adapterFolder, Path out) {
        PeftAdapterFiles.Read files = PeftAdapterFiles.read(adapterFolder);
        try (SafetensorsFile file = files.file()) {
            Map<String, float[]> values = new LinkedHashMap<>();
            for (String name : files.tensorNames()) {
                values.put(name, file.readFloats(files.keys().get(name)));
            }
            merge(baseFolder, files.config(), values, out, null);
        }
    }

    /** {@code forcedType} null: 16-bit output as the base's dtype (bf16 for an f32 base). */
    static void merge(Path baseFolder, LoraConfig config, Map<String, float[]> values, Path out, Dtype forcedType) {
        try (CheckpointRewrite rewrite = CheckpointRewrite.of(baseFolder)) {
            int merged = 0;
            for (String name : rewrite.names()) {
                TensorInfo info = rewrite.info(name);
                String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
                float[] a = module == null ? null : values.get(module + ".lora_A.weight");
                float[] full = values.get(name);
                Dtype type = forcedType != null ? forcedType : CheckpointRewrite.sixteenBit(info.dtype());
                if (a != null) {
                    float[] b = values.get(module + ".lora_B.weight");
                    rewrite.replace(name, type, () -> mergedWeight(rewrite, info, a, b, config));
                    merged++;
                } else if (full != null) {
                    rewrite.replace(name, type, () -> full);
                } else {
                    rewrite.keep(name, type);
                }
            }
            if (merged == 0) {
                throw new LorisException("none of the adapter's modules is in the checkpoint " + baseFolder,
                        "merge the adapter into the base model it was trained on");
            }
            rewrite.writeTo(out);
        }
    }

    /** W + s · B (out, r) · A (r, in), in f32, rows in parallel. */
    private static float[] mergedWeight(CheckpointRewrite base, TensorInfo info, float[] a, float[] b,
                                        LoraConfig config) {
        float[] w = base.floats(info.name());
        int out = (int) info.shape()[0];
        int in = (int) info.shape()[1];
        int r = config.rank();
        if (a.length != (long) r * in || b.length != (long) out * r) {
            throw new LorisException("the adapter's A/B for " + info.name() + " do not fit its shape ("
                    + out + ", " + in + ") at rank " + r, "merge the adapter into the base model it was trained on");
        }
        float s = (float) config.scaling();
        IntStream.range(0, out).parallel().forEach(o -> {
            int row = o * in;
            for (int k = 0; k < r; k++) {
                float factor = s * b[o * r + k];
                int from = k * in;
                for (int i = 0; i < in; i++) {
                    w[row + i] += factor * a[from + i];
                }
            }
        });
        return w;
    }
}
