package dev.loris.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.lora.LoraAdapter;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Precision;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import dev.loris.tornado.runtime.Accelerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12's proof that Loris trains as HF transformers + PEFT do: the same tiny Llama-shaped checkpoint, the
 * same 50 windows of right-padded token batches (2 micro-batches of 4 rows each), PEFT's own initial adapter,
 * the same AdamW, linear warm-up schedule and gradient clipping; the per-step losses recorded on the GPU
 * machine (peft-curve/make_curves.py, run by gpu/peft_curve.sh) must be matched at every step within 1% in f32
 * and 2% in bf16 (base in bf16, adapter f32 in both), on every accelerator here; and full fine-tuning in f32
 * against transformers' own (AdamW over every weight, none on norms) within 1%.
 */
class LossCurveAgainstPeftTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            cases.add(Arguments.of(Precision.F32, spec));
            cases.add(Arguments.of(Precision.BF16, spec));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "LoRA {0} on {1}")
    @MethodSource("cases")
    void loraLossCurveTracksPeft(Precision precision, String spec) throws IOException {
        String name = precision == Precision.F32 ? "f32" : "bf16";
        loraTracks(folder(), precision, spec, "torch-lora-" + name + ".json", "peft-curve",
                precision == Precision.F32 ? 0.01 : 0.02, "LoRA " + name + " on " + spec);
    }

    static Stream<Arguments> familyCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String family : List.of("gemma2", "gemma3_text", "phi3")) {
            for (String spec : Accelerator.available()) {
                cases.add(Arguments.of(family, spec));
            }
        }
        return cases.stream();
    }

    /**
     * Issue 17: LoRA in f32 on the Gemma 2, Gemma 3 and Phi-3 checkpoints of the same sizes (peft-curve/FAMILY,
     * made by make_curves.py with the family's own traits, Phi-3's adapters on its fused modules), 1% at every
     * step. Skipped, saying so, for a family whose curve has not been recorded on the GPU machine yet.
     */
    @ParameterizedTest(name = "LoRA f32 {0} on {1}")
    @MethodSource("familyCases")
    void loraLossCurvesOfTheOtherFamiliesTrackPeft(String family, String spec) throws IOException {
        Path folder = folder().resolve(family);
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(folder.resolve("torch-lora-f32.json")),
                family + "'s curve is not recorded yet: FAMILIES=" + family + " gpu/peft_curve.sh on the GPU machine");
        loraTracks(folder, Precision.F32, spec, "torch-lora-f32.json", "peft-curve-" + family, 0.01,
                family + " LoRA f32 on " + spec);
    }

    /**
     * LoRA from the folder's initial adapter on its model and batches, every step's loss within {@code tolerance}
     * of the curve in {@code curveFile}.
     */
    private static void loraTracks(Path folder, Precision precision, String spec, String curveFile, String adapterName,
                                   double tolerance, String what) throws IOException {
        JsonNode data = new ObjectMapper().readTree(folder.resolve("batches.json").toFile());
        JsonNode theirs = new ObjectMapper().readTree(folder.resolve(curveFile).toFile()).get("losses");
        JsonNode s = data.get("settings");
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(folder.resolve("model"), acc, precision);
             LoraAdapter adapter = LoraAdapter.load(decoder, folder.resolve("initial-adapter"));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, adapterName),
                     settings(s, s.get("lr").asDouble()))) {
            double[] ours = new double[theirs.size()];
            for (int step = 0; step < ours.length; step++) {
                ours[step] = trainer.step(window(data.get("windows").get(step))).loss();
            }
            assertTracks(ours, theirs, tolerance, what);
        }
    }

    /** Full fine-tuning in f32: every weight trained as transformers trains them (no decay on norms), 1%. */
    @ParameterizedTest(name = "full f32 on {0}")
    @MethodSource("dev.loris.train.LossCurveAgainstPeftTest#accelerators")
    void fullFineTuningLossCurveTracksTransformers(String spec) throws IOException {
        Path folder = folder();
        JsonNode data = new ObjectMapper().readTree(folder.resolve("batches.json").toFile());
        JsonNode theirs = new ObjectMapper().readTree(folder.resolve("torch-full-f32.json").toFile()).get("losses");
        JsonNode s = data.get("settings");
        try (Accelerator acc = Accelerator.open(spec);
             Decoder decoder = Decoder.open(folder.resolve("model"), acc, Precision.F32);
             FullFineTuning weights = FullFineTuning.of(decoder, folder.resolve("model"), 1);
             Trainer trainer = new Trainer(decoder, weights, settings(s, s.get("full_lr").asDouble()))) {
            double[] ours = new double[theirs.size()];
            for (int step = 0; step < ours.length; step++) {
                ours[step] = trainer.step(window(data.get("windows").get(step))).loss();
            }
            assertTracks(ours, theirs, 0.01, "full f32 on " + spec);
        }
    }

    static List<String> accelerators() {
        return Accelerator.available();
    }

    /** Every step within {@code tolerance} (relative) of the recorded curve; the worst step is reported. */
    static void assertTracks(double[] ours, JsonNode theirs, double tolerance, String what) {
        double worst = 0;
        int worstStep = 0;
        for (int i = 0; i < ours.length; i++) {
            double relative = Math.abs(ours[i] - theirs.get(i).asDouble()) / theirs.get(i).asDouble();
            if (!(relative <= worst)) {
                worst = relative;
                worstStep = i + 1;
            }
        }
        String report = String.format(Locale.ROOT, "%s: loss %.4f -> %.4f (PEFT %.4f -> %.4f), worst step %d off"
                + " by %.2e (relative)", what, ours[0], ours[ours.length - 1], theirs.get(0).asDouble(),
                theirs.get(ours.length - 1).asDouble(), worstStep, worst);
        System.out.println(report);
        assertTrue(worst <= tolerance, report + ", allowed " + 100 * tolerance + "%");
        assertTrue(ours[ours.length - 1] < 0.9 * ours[0], report + ": the loss should fall by 10% or more");
    }

    static Trainer.Settings settings(JsonNode s, double lr) {
        int steps = s.get("steps").asInt();
        return new Trainer.Settings(
                new LearningRateSchedule(LearningRateSchedule.Shape.LINEAR, lr, s.get("warmup").asInt(), steps),
                new Optimizer.AdamW(s.get("betas").get(0).asDouble(), s.get("betas").get(1).asDouble(),
                        s.get("eps").asDouble(), s.get("weight_decay").asDouble()),
                s.get("max_grad_norm").asDouble(), s.get("seed").asLong());
    }

    /** A window: micro-batches of rows of token ids, each row its own sequence (transformers' padding dropped). */
    static List<Batch> window(JsonNode window) {
        List<Batch> microBatches = new ArrayList<>();
        for (JsonNode rows : window) {
            int[][] sequences = new int[rows.size()][];
            for (int r = 0; r < rows.size(); r++) {
                sequences[r] = new int[rows.get(r).size()];
                for (int t = 0; t < sequences[r].length; t++) {
                    sequences[r][t] = rows.get(r).get(t).asInt();
                }
            }
            microBatches.add(Batch.of(sequences));
        }
        return microBatches;
    }

    static Path folder() {
        try {
            return Path.of(LossCurveAgainstPeftTest.class.getResource("/peft-curve/make_curves.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
