package dev.loris.model;

import dev.loris.LorisException;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsCheckpoint;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;

/**
 * A new checkpoint folder made from a base one, tensor by tensor: each base tensor is kept (as stored, or
 * widened/rounded to another float type) or replaced by values computed when the writer reaches it, so memory
 * holds one tensor at a time. The result is what transformers loads as it loads the base: safetensors sharded
 * at 5 GB as save_pretrained does, with config.json, generation_config.json, the tokenizer files and anything
 * else of the base folder that is not weights copied. Atomic: the folder is written beside the target under a
 * hidden name and renamed into place when complete; a failure leaves the target as it was.
 *
 * <p>Used by a LoRA merge (W + s·B·A) and by full fine-tuning's save (the trained weights).
 */
public final class CheckpointRewrite implements AutoCloseable {
    private static final long SHARD_BYTES = 5_000_000_000L;

    private final Path baseFolder;
    private final SafetensorsCheckpoint base;
    private final SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");

    private CheckpointRewrite(Path baseFolder) {
        this.baseFolder = baseFolder;
        this.base = SafetensorsCheckpoint.open(baseFolder);
    }

    /** Opens the checkpoint in {@code baseFolder} (its safetensors files) to rewrite. */
    public static CheckpointRewrite of(Path baseFolder) {
        return new CheckpointRewrite(baseFolder);
    }

    /** The base's tensor names, in its order (the order the new checkpoint keeps). */
    public List<String> names() {
        return base.names();
    }

    public TensorInfo info(String name) {
        return base.info(name);
    }

    /** The base tensor as f32 values (any float type widened). */
    public float[] floats(String name) {
        TensorInfo info = base.info(name);
        MemorySegment data = base.data(name);
        float[] values = new float[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < values.length; i++) {
            values[i] = info.dtype().floatAt(data, i);
        }
        return values;
    }

    /** Keeps the base tensor, converted to {@code type} when it is a float of another type. */
    public void keep(String name, Dtype type) {
        TensorInfo info = base.info(name);
        if (info.dtype() == type || !info.dtype().readableAsFloat()) {
            writer.add(name, info.dtype(), info.shape(), base.data(name));
        } else {
            writer.addComputed(name, type, info.shape(), () -> type.encode(floats(name)));
        }
    }

    /** Writes {@code values} (computed when the writer reaches the tensor) in place of the base tensor, as {@code type}. */
    public void replace(String name, Dtype type, Supplier<float[]> values) {
        TensorInfo info = base.info(name);
        writer.addComputed(name, type, info.shape(), () -> {
            float[] v = values.get();
            if (v.length != info.elementCount()) {
                throw new IllegalStateException(name + ": " + v.length + " values for a tensor of "
                        + info.elementCount());
            }
            return type.encode(v);
        });
    }

    /** Writes the folder {@code out} (replacing what is there) with every tensor kept or replaced so far. */
    public void writeTo(Path out) {
        Path temporary = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".writing");
        try {
            Folders.deleteTree(temporary);
            writer.writeSharded(temporary, SHARD_BYTES);
            copyModelFiles(baseFolder, temporary);
            replaceFolder(temporary, out);
        } catch (IOException e) {
            throw new LorisException("cannot write the model to " + out + ": " + e.getMessage(),
                    "check free space (the new checkpoint is as large as its base) and permissions");
        } finally {
            try {
                Folders.deleteTree(temporary);
            } catch (IOException ignored) {
                // nothing left behind when it can be removed; a failure to remove is not the error to report
            }
        }
    }

    /** 16-bit output for a merge: the base's own type, or bf16 for an f32 base. */
    public static Dtype sixteenBit(Dtype base) {
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
    private static void replaceFolder(Path ready, Path target) throws IOException {
        Path old = target.toAbsolutePath().resolveSibling("." + target.getFileName() + ".old");
        Folders.deleteTree(old);
        if (Files.exists(target)) {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE);
        Folders.deleteTree(old);
    }

    @Override
    public void close() {
        base.close();
    }
}
