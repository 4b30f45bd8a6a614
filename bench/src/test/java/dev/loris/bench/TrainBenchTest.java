package dev.loris.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loris.LorisException;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.tornado.runtime.LaunchProfiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * TrainBench on the JVM over the tiny fixture that the comparison's own Python scripts wrote
 * (src/test/resources/vs-peft-tiny: {@code python3 bench/make_checkpoint.py DIR/model --shape tiny} and
 * {@code python3 bench/vs_peft_inputs.py DIR/model DIR/inputs --rows 2 --seq 64}, numpy only), so the files the
 * GPU run makes stay readable and the harness keeps working: every mode trains (at lr 1e-2 the loss falls by
 * half a nat over the 13 steps on the learnable batches), the checkpointing modes give the same losses as none (the JVM computes them bit
 * for bit), QLoRA starts from nearly the same loss, and a profiled step's table names GEMMs and kernels.
 */
class TrainBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    private static Path fixture(String part) throws URISyntaxException {
        return Path.of(TrainBenchTest.class.getResource("/vs-peft-tiny/" + part).toURI());
    }

    private TrainBench.Options options(GradientCheckpointing mode, boolean nf4, int profileSteps)
            throws URISyntaxException {
        return new TrainBench.Options(fixture("model"), fixture("inputs"), "jvm", 2, mode, nf4, "adamw", 3, 10, 1e-2,
                "test " + mode.settingName() + (nf4 ? " nf4" : ""), out.resolve(mode.settingName() + nf4 + ".json"),
                profileSteps, profileSteps > 0 ? out.resolve("profile.md") : null);
    }

    private static List<Double> losses(JsonNode result) {
        List<Double> losses = new ArrayList<>();
        result.get("losses").forEach(l -> losses.add(l.asDouble()));
        return losses;
    }

    @Test
    void everyModeTrainsAndCheckpointingChangesNoLoss() throws Exception {
        List<Double> none = null;
        for (GradientCheckpointing mode : GradientCheckpointing.values()) {
            TrainBench.Options o = options(mode, false, 0);
            TrainBench.run(o);
            JsonNode result = JSON.readTree(o.result().toFile());
            List<Double> losses = losses(result);
            assertEquals(13, losses.size(), mode + ": one loss per step");
            assertFalse(result.has("error"), mode + ": " + result);
            assertTrue(losses.stream().allMatch(Double::isFinite), mode + ": " + losses);
            // a random model over 256 ids starts near ln 256 and learns the affine rule's block within 13 steps
            assertEquals(Math.log(256), losses.getFirst(), 0.5, mode + ": " + losses);
            assertTrue(losses.getLast() < losses.getFirst() - 0.3, mode + " did not learn: " + losses);
            assertTrue(result.get("tokens_per_s").asDouble() > 0 && result.get("ms_per_step").asDouble() > 0);
            assertEquals(128, result.get("batch").asInt() * result.get("seq").asInt());
            assertTrue(result.get("allocator_peak_gib").asDouble() > 0);
            if (none == null) {
                none = losses;
            } else {
                assertEquals(none, losses, mode + " recomputes what none keeps: the same losses on the JVM");
            }
        }
    }

    @Test
    void qloraStartsFromNearlyTheSameLossAndTrains() throws Exception {
        JsonNode bf16 = TrainBench.run(options(GradientCheckpointing.NONE, false, 0));
        JsonNode nf4 = TrainBench.run(options(GradientCheckpointing.OFFLOAD, true, 0));
        List<Double> losses = losses(nf4);
        assertTrue(nf4.get("nf4").asBoolean());
        assertEquals(losses(bf16).getFirst(), losses.getFirst(), 0.05, "NF4 moves the weights a little: " + losses);
        assertTrue(losses.getLast() < losses.getFirst() - 0.3, "QLoRA did not learn: " + losses);
    }

    @Test
    void aProfiledStepNamesItsGemmsAndKernels() throws Exception {
        assumeTrue(LaunchProfiler.ENABLED, "launch profiling needs -Dloris.profile=true (bench's surefire sets it)");
        TrainBench.Options o = options(GradientCheckpointing.STANDARD, false, 2);
        TrainBench.run(o);
        String table = Files.readString(o.profileOut());
        assertTrue(table.contains("### Step profile: test standard (2 profiled steps)"), table);
        assertTrue(table.contains("| GEMM "), table);
        assertTrue(table.contains("RmsNorm."), table);
        assertTrue(table.contains("Sum of floors"), table);
    }

    @Test
    void batchesTooFewForTheRunAreRefusedByName() throws Exception {
        LorisException e = assertThrows(LorisException.class,
                () -> TrainBench.readBatches(fixture("inputs").resolve("batches.safetensors"), 14, 2));
        assertTrue(e.getMessage().contains("holds 13 steps of 2 rows; this run needs 14 of 2"), e.getMessage());
        assertTrue(e.hint().contains("vs_peft_inputs.py"));
        LorisException usage = assertThrows(LorisException.class, () -> TrainBench.Options.parse(
                new String[] {"a", "b", "--batch", "2"}));
        assertTrue(usage.getMessage().contains("--batch and --result are required"), usage.getMessage());
        assertEquals("adamw8bit", TrainBench.Options.parse(new String[] {"a", "b", "--batch", "1", "--result", "r",
                "--optim", "adamw8bit"}).optim());
        LorisException optim = assertThrows(LorisException.class, () -> TrainBench.Options.parse(
                new String[] {"a", "b", "--batch", "1", "--result", "r", "--optim", "adam9"}));
        assertTrue(optim.getMessage().contains("adam9"), optim.getMessage());
    }

    @Test
    void theResultFileIsTheObjectPrinted() throws IOException, URISyntaxException {
        TrainBench.Options o = options(GradientCheckpointing.NONE, false, 0);
        JsonNode printed = JSON.readTree(TrainBench.run(o).toString());
        assertEquals(printed, JSON.readTree(o.result().toFile()));
    }
}
