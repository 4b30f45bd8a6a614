package dev.loris.model.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * What the safetensors tests start from: a fresh seed (named in every failure message through {@link #at}),
 * random shapes, bytes and names drawn from it, and raw files built from a header text and data bytes, so
 * that a test can corrupt exactly one thing of an otherwise valid file.
 */
final class TestTensors {
    final long seed = System.nanoTime();
    final Random random = new Random(seed);

    /** A failure message prefix naming the seed. */
    String at(String what) {
        return "seed " + seed + ": " + what;
    }

    /** A shape of rank 0 to 3 with dimensions 0 to 5 (0 rarely, so most tensors hold data). */
    long[] shape() {
        long[] shape = new long[random.nextInt(4)];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = random.nextInt(12) == 0 ? 0 : 1 + random.nextInt(5);
        }
        return shape;
    }

    /** Random bytes for a tensor of {@code dtype} and {@code shape}; BOOL bytes are 0 or 1. */
    MemorySegment bytes(Dtype dtype, long[] shape) {
        long count = dtype.byteSize();
        for (long d : shape) {
            count *= d;
        }
        byte[] bytes = new byte[(int) count];
        random.nextBytes(bytes);
        if (dtype == Dtype.BOOL) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] &= 1;
            }
        }
        return MemorySegment.ofArray(bytes);
    }

    /** A tensor-like name, sometimes with non-ASCII or JSON-escaped characters. */
    String name(int index) {
        String[] stems = {"model.layers.%d.mlp.up_proj.weight", "embed_%d", "Ä%d.ß", "tab\t%d", "q\"%d\\",
                "z%d", "emoji😀%d"};
        return String.format(stems[random.nextInt(stems.length)], index);
    }

    /** Uniform floats in [-scale, scale). */
    float[] floats(int n, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return values;
    }

    /** A file of {@code header} (space-padded to a multiple of 8, as writers do) followed by {@code data}. */
    static Path rawFile(Path file, String header, byte[] data) throws IOException {
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(text, (text.length + 7) / 8 * 8);
        Arrays.fill(padded, text.length, padded.length, (byte) ' ');
        return rawFile(file, padded.length, padded, data);
    }

    /** A file whose first 8 bytes say {@code headerLength}, whatever {@code header} really holds. */
    static Path rawFile(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerLength).put(header).put(data);
        return Files.write(file, out.array());
    }

    /** The header text of a valid file (padding included). */
    static String headerOf(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    }

    /** The data area of a valid file. */
    static byte[] dataOf(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length);
    }

    /** {@code valid} with its header text edited (re-padded, N recomputed) and its data kept: a new file. */
    static Path withHeader(Path valid, Path out, UnaryOperator<String> edit) throws IOException {
        String edited = edit.apply(headerOf(valid).stripTrailing());
        return rawFile(out, edited, dataOf(valid));
    }
}
