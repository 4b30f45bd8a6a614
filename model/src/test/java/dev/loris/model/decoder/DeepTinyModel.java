package dev.loris.model.decoder;

import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.SafetensorsWriter;
import dev.loris.model.safetensors.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference model's architecture (config.json of an {@link HfFixture}) with more layers and random f32
 * weights (norms near 1, matrices N(0, 0.05²)): for tests where the number of layers matters (checkpointing's
 * memory) and no reference output is needed. Layer tensors are named and shaped as the fixture's layer 0.
 */
public final class DeepTinyModel {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.0\\.(.*)");

    private DeepTinyModel() {
    }

    /** Writes config.json and model.safetensors into {@code folder}; returns it. */
    public static Path write(String fixture, int layers, long seed, Path folder) {
        Path source = HfFixture.folder(fixture);
        Random random = new Random(seed);
        try {
            String config = Files.readString(source.resolve("config.json"))
                    .replaceFirst("\"num_hidden_layers\":\\s*\\d+", "\"num_hidden_layers\": " + layers);
            Files.writeString(folder.resolve("config.json"), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsFile file = SafetensorsFile.open(source.resolve("model.safetensors"))) {
            for (TensorInfo tensor : file.tensors()) {
                Matcher layer = LAYER.matcher(tensor.name());
                if (layer.matches()) {
                    for (int l = 0; l < layers; l++) {
                        add(writer, "model.layers." + l + "." + layer.group(1), tensor.shape(), random);
                    }
                } else if (!tensor.name().startsWith("model.layers.")) {
                    add(writer, tensor.name(), tensor.shape(), random);
                }
            }
        }
        writer.write(folder.resolve("model.safetensors"));
        return folder;
    }

    private static void add(SafetensorsWriter writer, String name, long[] shape, Random random) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[Math.toIntExact(n)];
        boolean norm = name.endsWith("norm.weight");
        for (int i = 0; i < values.length; i++) {
            values[i] = norm ? 1 + 0.1f * (float) random.nextGaussian() : 0.05f * (float) random.nextGaussian();
        }
        writer.addFloats(name, Dtype.F32, shape, values);
    }
}
