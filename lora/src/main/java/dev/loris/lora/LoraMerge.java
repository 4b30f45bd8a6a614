package dev.loris.lora;

import dev.loris.LorisException;
import dev.loris.model.Folders;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * <p>Streaming: each merged tensor is computed when the writer reaches it, so memory holds one tensor at a time.
 * Atomic: the folder is written beside the target under a hidden name and renamed into place when complete.
 */
public final class LoraMerge {
    private static final long SHARD_BYTES = 5_000_000_000L;

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
        Path temporary = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".merging");
        try (SafetensorsCheckpoint base = SafetensorsCheckpoint.open(baseFolder)) {
            Folders.deleteTree(temporary);
            SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
            int merged = 0;
            for (String name : base.names()) {
                TensorInfo info = base.info(name);
                String module = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
                float[] a = module == null ? null : values.get(module + ".lora_A.weight");
                float[] full = values.get(name);
                Dtype type = forcedType != null ? forcedType : outputType(info.dtype());
                if (a != null) {
                    float[] b = values.get(module + ".lora_B.weight");
                    writer.addComputed(name, type, info.shape(), () -> type.encode(mergedWeight(base, info, a, b,
                            config)));
                    merged++;
                } else if (full != null) {
                    writer.addComputed(name, type, info.shape(), () -> type.encode(full));
                } else if (info.dtype() == type || !info.dtype().readableAsFloat()) {
                    writer.add(name, info.dtype(), info.shape(), base.data(name));
                } else {
                    writer.addComputed(name, type, info.shape(), () -> type.encode(widen(base, info)));
                }
            }
            if (merged == 0) {
                throw new LorisException("none of the adapter's modules is in the checkpoint " + baseFolder,
                        "merge the adapter into the base model it was trained on");
            }
            writer.writeSharded(temporary, SHARD_BYTES);
            copyModelFiles(baseFolder, temporary);
            replace(temporary, out);
        } catch (IOException e) {
            throw new LorisException("cannot write the merged model to " + out + ": " + e.getMessage(),
                    "check free space (a merged model is as large as its base) and permissions");
        } finally {
            try {
                Folders.deleteTree(temporary);
            } catch (IOException ignored) {
                // nothing left behind when it can be removed; a failure to remove is not the error to report
            }
        }
    }

    /** W + s · B (out, r) · A (r, in), in f32, rows in parallel. */
    private static float[] mergedWeight(SafetensorsCheckpoint base, TensorInfo info, float[] a, float[] b,
                                        LoraConfig config) {
        float[] w = widen(base, info);
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

    private static float[] widen(SafetensorsCheckpoint base, TensorInfo info) {
        MemorySegment data = base.data(info.name());
        float[] values = new float[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < values.length; i++) {
            values[i] = info.dtype().floatAt(data, i);
        }
        return values;
    }

    /** 16-bit output: the base's own type, or bf16 for an f32 base. */
    private static Dtype outputType(Dtype base) {
        return base == Dtype.F16 ? Dtype.F16 : Dtype.BF16;
    }

    /** Copies everything of the model folder but weights: config, generation config, tokenizer, chat template. */
    private static void copyModelFiles(Path from, Path to) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean weights = name.endsWith(".safetensors") || name.endsWith(".safetensors.index.json")
                        || name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")
                        || name.endsWith(".gguf") || name.startsWith(".") || name.startsWith("expected");
                if (!weights && Files.isRegularFile(file)) {
                    Files.copy(file, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Puts the complete folder {@code ready} where {@code target} is: renames, removing an older one. */
    private static void replace(Path ready, Path target) throws IOException {
        Path old = target.toAbsolutePath().resolveSibling("." + target.getFileName() + ".old");
        Folders.deleteTree(old);
        if (Files.exists(target)) {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE);
        Folders.deleteTree(old);
    }
}
