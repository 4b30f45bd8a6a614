package dev.loris.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.safetensors.Dtype;
import dev.loris.model.safetensors.SafetensorsFile;
import dev.loris.model.safetensors.TensorInfo;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjections;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.LaunchProfiler;
import dev.loris.train.LoraParameters;
import dev.loris.train.Trainer;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Loris' side of the HF + PEFT training comparison (gpu/bench_vs_peft.sh; issue 18): the same checkpoint
 * (bench/make_checkpoint.py), the same token batches and initial PEFT adapter (bench/vs_peft_inputs.py) and the
 * same hyperparameters as bench/hf_peft_train.py: LoRA r 16, alpha 16, dropout 0 on all seven projections over
 * a bf16 base (f32 master adapters with bf16 compute copies: Loris' only LoRA mode), or over an NF4 base
 * ({@code --nf4}: QLoRA, bitsandbytes' NF4 with double quantisation, blocksize 64); gradient checkpointing
 * none / standard / offload; AdamW over the adapter (lr 1e-3 constant, betas 0.9/0.999, eps 1e-8, no weight
 * decay; {@code --optim adamw8bit}: its blockwise 8-bit states, as Unsloth's QLoRA runs use), gradients clipped
 * to norm 1.0. Each step is {@link Trainer#step} on one micro-batch: the first B rows
 * of that step's ids, each row its own sequence (Batch.of: labels are the next ids, as transformers shifts).
 *
 * <p>WARMUP untimed steps, then STEPS timed ones (every step returns its loss, so it has finished); ms/step and
 * tokens/s (B x S tokens a step) from the wall time of the timed steps. Writes one JSON object to
 * {@code --result} with the keys hf_peft_train.py writes (and prints it after "RESULT "): losses of every step,
 * timing, and the allocator's peak bytes (weights included, as torch's max_memory_allocated) for information;
 * peak device memory for the table comes from bench/nvml_peak.py around this process. Out of device memory is a
 * result ("error": "OOM").
 *
 * <p>{@code --profile N} (in a JVM started with -Dloris.profile=true): N more steps after the timed ones, every
 * kernel and GEMM timed with device events ({@link LaunchProfiler}), written as {@link StepProfile}'s table.
 *
 * <p>Usage: {@code TrainBench CHECKPOINT INPUTS --batch B [--device cuda] [--checkpointing none|standard|offload]
 * [--nf4] [--optim adamw|adamw8bit] [--warmup 3] [--steps 10] [--lr 1e-3] [--label TEXT] --result FILE
 * [--profile N [--profile-out FILE]]}
 */
public final class TrainBench {
    /** The command line; see the class comment. */
    record Options(Path checkpoint, Path inputs, String device, int batch, GradientCheckpointing checkpointing,
                   boolean nf4, String optim, int warmup, int steps, double lr, String label, Path result,
                   int profileSteps, Path profileOut) {
        static Options parse(String[] args) {
            if (args.length < 2) {
                throw usage("give the checkpoint and inputs folders");
            }
            String device = "cuda";
            String label = null;
            int batch = 0;
            int warmup = 3;
            int steps = 10;
            int profile = 0;
            double lr = 1e-3;
            boolean nf4 = false;
            String optim = "adamw";
            GradientCheckpointing mode = GradientCheckpointing.NONE;
            Path result = null;
            Path profileOut = null;
            for (int i = 2; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--nf4")) {
                    nf4 = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw usage(flag + " needs a value");
                }
                String value = args[++i];
                switch (flag) {
                    case "--device" -> device = value;
                    case "--batch" -> batch = positive(flag, value);
                    case "--checkpointing" -> mode = GradientCheckpointing.parse(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--steps" -> steps = positive(flag, value);
                    case "--lr" -> lr = Double.parseDouble(value);
                    case "--optim" -> optim = value;
                    case "--label" -> label = value;
                    case "--result" -> result = Path.of(value);
                    case "--profile" -> profile = Integer.parseInt(value);
                    case "--profile-out" -> profileOut = Path.of(value);
                    default -> throw usage("unknown option " + flag);
                }
            }
            if (batch == 0 || result == null) {
                throw usage("--batch and --result are required");
            }
            if (label == null) {
                label = "loris " + (nf4 ? "qlora-nf4" : "lora-bf16") + " " + mode.settingName();
            }
            Optimizer.named(optim, 0.0); // an unknown name fails here, before anything loads
            return new Options(Path.of(args[0]), Path.of(args[1]), device, batch, mode, nf4, optim, warmup, steps, lr,
                    label, result, profile, profileOut);
        }

        private static int positive(String flag, String value) {
            int n = Integer.parseInt(value);
            if (n < 1) {
                throw usage(flag + " must be at least 1, got " + n);
            }
            return n;
        }

        private static LorisException usage(String problem) {
            return new LorisException("TrainBench: " + problem, "usage: TrainBench CHECKPOINT INPUTS --batch B"
                    + " [--device cuda] [--checkpointing none|standard|offload] [--nf4] [--optim adamw|adamw8bit]"
                    + " [--warmup 3] [--steps 10]"
                    + " [--lr 1e-3] [--label TEXT] --result FILE [--profile N [--profile-out FILE]]");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainBench() {
    }

    public static void main(String[] args) {
        try {
            ObjectNode result = run(Options.parse(args));
            System.out.println("RESULT " + result);
        } catch (LorisException e) {
            System.err.println("error: " + e.userMessage());
            System.exit(2);
        }
    }

    /** Trains as the options say, writes the result file and returns its object. */
    static ObjectNode run(Options o) {
        int[][][] ids = readBatches(o.inputs.resolve("batches.safetensors"), o.warmup + o.steps, o.batch);
        ObjectNode result = JSON.createObjectNode();
        result.put("side", "loris").put("label", o.label).put("checkpoint", o.checkpoint.toAbsolutePath().toString())
                .put("batch", o.batch).put("seq", ids[0][0].length)
                .put("recompute", o.checkpointing == GradientCheckpointing.NONE ? 0 : 1)
                .put("checkpointing", o.checkpointing.settingName()).put("nf4", o.nf4)
                .put("warmup", o.warmup).put("steps", o.steps);
        ProjectionLoader projections = o.nf4 ? QuantizedProjections.loader(QuantScheme.LOAD_IN_4BIT)
                : ProjectionLoader.DENSE;
        List<Double> losses = new ArrayList<>();
        try (Accelerator acc = Accelerator.open(o.device);
             Decoder decoder = Decoder.open(o.checkpoint, acc, Precision.BF16, projections);
             LoraAdapter adapter = LoraAdapter.load(decoder, o.inputs.resolve("adapter"));
             Trainer trainer = new Trainer(decoder, new LoraParameters(adapter, o.checkpoint.toString()),
                     settings(o))) {
            result.put("device", acc.description());
            result.put("trained_parameters", adapter.parameters().length());
            acc.synchronize();
            acc.resetPeakStats();
            try {
                long start = 0;
                for (int step = 0; step < o.warmup + o.steps; step++) {
                    if (step == o.warmup) {
                        acc.synchronize();
                        start = System.nanoTime();
                    }
                    losses.add(trainer.step(List.of(Batch.of(ids[step]))).loss());
                }
                acc.synchronize();
                double seconds = (System.nanoTime() - start) / 1e9;
                result.put("ms_per_step", 1000 * seconds / o.steps);
                result.put("tokens_per_s", (double) o.batch * ids[0][0].length * o.steps / seconds);
            } catch (RuntimeException e) {
                if (!CheckpointingBench.isOutOfMemory(e)) {
                    throw e;
                }
                result.put("error", "OOM").put("detail", String.valueOf(e.getMessage()));
            }
            result.put("allocator_peak_gib", gib(acc.memoryStats().peakBytes()));
            result.put("allocator_reserved_gib", gib(acc.memoryStats().peakReservedBytes()));
            result.put("pinned_host_gib", gib(acc.peakPinnedBytes()));
            ArrayNode lossArray = result.putArray("losses");
            losses.forEach(lossArray::add);
            writeAtomically(o.result, result);
            if (o.profileSteps > 0 && !result.has("error")) {
                profile(o, trainer, ids, decoder);
            }
        }
        return result;
    }

    private static Trainer.Settings settings(Options o) {
        int total = o.warmup + o.steps + o.profileSteps;
        return new Trainer.Settings(new LearningRateSchedule(LearningRateSchedule.Shape.CONSTANT, o.lr, 0, total),
                Optimizer.named(o.optim, 0.0), 1.0, 3407, o.checkpointing);
    }

    /** {@code profileSteps} more steps with every launch and GEMM timed; the table to stdout and the file. */
    private static void profile(Options o, Trainer trainer, int[][][] ids, Decoder decoder) {
        Accelerator acc = decoder.accelerator();
        LaunchProfiler profiler = acc.startProfiling();
        long start = System.nanoTime();
        for (int i = 0; i < o.profileSteps; i++) {
            trainer.step(List.of(Batch.of(ids[i % ids.length])));
        }
        List<LaunchProfiler.Entry> entries = profiler.finish();
        double wallMs = (System.nanoTime() - start) / 1e6 / o.profileSteps;
        String table = StepProfile.table(o.label, entries, o.profileSteps, wallMs,
                StepProfile.Attention.of(decoder.config(), ids[0]));
        System.out.print(table);
        if (o.profileOut != null) {
            try {
                Files.writeString(o.profileOut, table);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The first {@code rows} rows of the first {@code steps} steps of batches.safetensors' input_ids. */
    static int[][][] readBatches(Path file, int steps, int rows) {
        try (SafetensorsFile in = SafetensorsFile.open(file)) {
            TensorInfo info = in.find("input_ids").orElseThrow(() -> new LorisException(file + " has no input_ids",
                    "write it with bench/vs_peft_inputs.py"));
            if (info.dtype() != Dtype.I32 || info.rank() != 3) {
                throw new LorisException(file + ": input_ids is " + info.dtype() + " " + info.shapeText()
                        + ", not I32 (steps, rows, seq)", "write it with bench/vs_peft_inputs.py");
            }
            int fileSteps = (int) info.dim(0);
            int fileRows = (int) info.dim(1);
            int seq = (int) info.dim(2);
            if (fileSteps < steps || fileRows < rows) {
                throw new LorisException(file + " holds " + fileSteps + " steps of " + fileRows + " rows; this run"
                        + " needs " + steps + " of " + rows, "rerun bench/vs_peft_inputs.py with --steps/--rows");
            }
            MemorySegment data = in.data(info);
            ValueLayout.OfInt layout = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            int[][][] ids = new int[steps][rows][seq];
            for (int s = 0; s < steps; s++) {
                for (int r = 0; r < rows; r++) {
                    long base = ((long) s * fileRows + r) * seq;
                    for (int t = 0; t < seq; t++) {
                        ids[s][r][t] = data.getAtIndex(layout, base + t);
                    }
                }
            }
            return ids;
        }
    }

    private static void writeAtomically(Path file, ObjectNode result) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            JSON.writeValue(temp.toFile(), result);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new LorisException("cannot write " + file + ": " + e.getMessage(), "check the folder is writable");
        }
    }

    private static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
