package dev.loris.model.decoder;

import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A reference model made by transformers (src/test/resources/hf-models, see its README and
 * make_fixtures.py): its folder, and what transformers computed with it, read from expected.safetensors.
 */
public record HfFixture(String name, Path folder, Batch batch, long[][] ids, long[][] mask, float[] logitsF32,
                 double lossF32, float[] logitsBf16, double lossBf16, SafetensorsFile expected) {
    public static final List<String> MODELS = List.of("llama3", "mistral", "qwen2", "qwen3", "gemma2", "gemma3_text");
    /**
     * Issue 17's fixtures still to record (Phi-3): make_fixtures.py defines them, but they are made on the GPU
     * machine. {@link #recorded} lists those whose folder exists, which the transformers comparison runs; once
     * committed, these names join {@link #MODELS} and every fixture test covers them.
     */
    public static final List<String> PENDING_MODELS = List.of("phi3");
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The {@link #PENDING_MODELS} whose fixture folder (config.json and expected.safetensors) exists. */
    public static List<String> recorded() {
        return PENDING_MODELS.stream().filter(HfFixture::exists).toList();
    }

    private static boolean exists(String name) {
        try {
            return Files.isRegularFile(folder(name).resolve("expected.safetensors"));
        } catch (IllegalStateException missing) {
            return false;
        }
    }

    public static HfFixture load(String name) {
        Path folder = folder(name);
        SafetensorsFile expected = SafetensorsFile.open(folder.resolve("expected.safetensors"));
        long[][] ids = longs(expected, "input_ids");
        long[][] mask = longs(expected, "attention_mask");
        long[][] labels = longs(expected, "labels");
        return new HfFixture(name, folder, Batch.fromPadded(ids, mask, labels), ids, mask,
                expected.readFloats("logits_f32"), expected.readFloats("loss_f32")[0],
                expected.readFloats("logits_bf16"), expected.readFloats("loss_bf16")[0], expected);
    }

    /**
     * The model's folder: on the class path as files (this module's tests, the GPU machine's class path of
     * resource folders), else in the repository beside the calling module (other modules' tests get the
     * fixtures inside the model test-jar, where a checkpoint cannot be memory-mapped).
     */
    public static Path folder(String name) {
        URL url = HfFixture.class.getResource("/hf-models/" + name + "/config.json");
        if (url != null && url.getProtocol().equals("file")) {
            try {
                return Path.of(url.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("model/src/test/resources/hf-models").resolve(name);
            if (Files.isRegularFile(candidate.resolve("config.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no fixture hf-models/" + name + " on the test class path or in the repository");
    }

    /** A 2D int64 tensor as rows of longs. */
    public static long[][] longs(SafetensorsFile file, String name) {
        TensorInfo info = file.info(name);
        long[] shape = info.shape();
        MemorySegment data = file.data(name);
        long[][] rows = new long[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < rows.length; r++) {
            for (int c = 0; c < rows[r].length; c++) {
                rows[r][c] = data.getAtIndex(LONG, (long) r * shape[1] + c);
            }
        }
        return rows;
    }

    /** transformers' (batch, length, vocab) logits at the real tokens, in the packed order of {@link #batch}. */
    public float[] packedLogits(float[] padded, int vocab) {
        float[] packed = new float[batch.tokens() * vocab];
        int at = 0;
        for (int r = 0; r < mask.length; r++) {
            for (int t = 0; t < mask[r].length && mask[r][t] == 1; t++) {
                System.arraycopy(padded, (r * mask[r].length + t) * vocab, packed, at * vocab, vocab);
                at++;
            }
        }
        return packed;
    }
}
