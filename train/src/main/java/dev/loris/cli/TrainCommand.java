package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.Evaluation;
import dev.loris.train.FullFineTuning;
import dev.loris.train.LoraParameters;
import dev.loris.train.TrainableParameters;
import dev.loris.train.Trainer;
import dev.loris.train.TrainingCheckpoint;
import dev.loris.train.TrainingRun;
import dev.loris.train.data.BatchStream;
import dev.loris.train.data.DataFormat;
import dev.loris.train.data.DataOptions;
import dev.loris.train.data.DataPosition;
import dev.loris.train.data.TrainingData;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code loris train}: LoRA (or QLoRA with --load-in-4bit) or full fine-tuning (--method full) of a Hugging Face
 * model folder on a dataset, writing the adapter (or the whole model), checkpoints, metrics.jsonl and loss.png
 * under --out. The steps: open the device, the tokenizer and the model; attach a new adapter (or continue one
 * with --adapter), or make every weight trainable; prepare the dataset (train/data); train (Trainer through
 * TrainingRun); evaluate the held-out split before and after.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a model with LoRA (an adapter PEFT and Loris load) or in full (a model folder) on a"
                + " dataset.")
final class TrainCommand implements Runnable {
    /** Read before parsing by {@link TrainConfigFile}, which turns the file into flags; listed here for --help. */
    @Option(names = "--config", paramLabel = "FILE", description = "Settings from a YAML file, keys named as these "
            + "options without dashes (lora-r: 32); flags given here override it")
    Path config;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "Dataset: .jsonl/.json/.csv/.parquet/.arrow file, or a save_to_disk folder")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder")
    Path out;

    @Option(names = "--format", defaultValue = "auto", description = "auto, text, alpaca, sharegpt or messages (${DEFAULT-VALUE})")
    String format;

    @Option(names = "--chat-template", description = "A template name (llama-3.1, chatml, qwen-2.5, mistral, gemma, phi-3, "
            + "phi-4, alpaca) or model for the model's own (default)")
    String chatTemplate;

    @Option(names = "--train-on-all-tokens", description = "Train on prompts too, not only on the assistant's responses")
    boolean allTokens;

    @Option(names = "--method", defaultValue = "lora", description = "lora: train a LoRA adapter (saved to"
            + " adapter/); full: train every weight with f32 master weights (saved to model/ as a checkpoint like the"
            + " base; needs about 16 bytes a parameter with adamw, 10 with adamw8bit) (${DEFAULT-VALUE})")
    String method;

    @Option(names = "--lora-r", defaultValue = "16", description = "LoRA rank (${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha (${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--lora-dropout", defaultValue = "0", description = "LoRA dropout (${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--rslora", description = "Scale by alpha / sqrt(r) (rank-stabilised LoRA)")
    boolean rsLora;

    @Option(names = "--targets", defaultValue = "all", description = "Projections to adapt: all, or a list such as "
            + "q_proj,v_proj (${DEFAULT-VALUE})")
    String targets;

    @Option(names = "--adapter", paramLabel = "DIR", description = "Continue training this adapter (PEFT's or Loris')")
    Path adapter;

    @Option(names = "--load-in-4bit", description = "QLoRA: quantise the base model to NF4 while loading")
    boolean loadIn4bit;

    @Option(names = "--max-seq-length", defaultValue = "2048", description = "Longest sequence in tokens (${DEFAULT-VALUE})")
    int maxSeqLength;

    @Option(names = "--batch-size", defaultValue = "2", description = "Sequences per batch, packed (${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--grad-accum", defaultValue = "4", description = "Batches per optimizer step (${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--embedding-lr", paramLabel = "LR", description = "Learning rate of embed_tokens and lm_head"
            + " where they train (--method full, or an adapter's modules_to_save); continued pretraining uses 2 to 10"
            + " times less than --lr (Unsloth's embedding_learning_rate). Default: --lr")
    Double embeddingLr;

    @Option(names = "--optim", defaultValue = "adamw", description = "adamw; adamw8bit (moments stored as"
            + " bitsandbytes-style blockwise 8-bit codes: 2 instead of 8 bytes a parameter); sgd (momentum 0.9)"
            + " (${DEFAULT-VALUE})")
    String optim;

    @Option(names = "--schedule", defaultValue = "linear", description = "constant, linear or cosine (${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--warmup-steps", defaultValue = "5", description = "Linear warm-up steps (${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "Weight decay (AdamW's decoupled one; not"
            + " applied to norms and biases) (${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1", description = "Clip the gradient norm; 0 turns it off (${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the data (${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after this many steps (0: the epochs decide)")
    int maxSteps;

    @Option(names = "--save-steps", defaultValue = "0", description = "Write a resumable checkpoint (with the adapter"
            + " or model) every N steps (0: save at the end only)")
    int saveSteps;

    @Option(names = "--resume", description = "Continue the run in --out from its latest checkpoint, exactly as if it"
            + " had not stopped (same settings required)")
    boolean resume;

    @Option(names = "--eval-steps", defaultValue = "0", description = "Evaluate the held-out split every N steps "
            + "(0: before and after training only)")
    int evalSteps;

    @Option(names = "--early-stopping-patience", defaultValue = "0", description = "Stop after this many evaluations "
            + "without improvement and keep the best (needs --eval-steps; 0: off)")
    int patience;

    @Option(names = "--early-stopping-threshold", defaultValue = "0", description = "Smallest fall of the eval loss "
            + "that counts as an improvement (${DEFAULT-VALUE})")
    double minImprovement;

    @Option(names = "--gradient-checkpointing", defaultValue = "none", description = "none; standard (keep only"
            + " each layer's input, recompute the rest in backward); offload (those inputs copied to pinned host memory"
            + " while the next layer computes, and back in time for the recompute: the least device memory)"
            + " (${DEFAULT-VALUE})")
    String checkpointing;

    @Option(names = "--eval-fraction", defaultValue = "0.05", description = "Share of examples held out (${DEFAULT-VALUE})")
    double evalFraction;

    @Option(names = "--skip-bad-rows", description = "Skip malformed dataset rows (counted) instead of stopping")
    boolean skipBadRows;

    @Option(names = "--seed", defaultValue = "3407", description = "Seed of initialisation, shuffling and dropout (${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "auto", description = "jvm, opencl[:N], cuda[:N] or auto (${DEFAULT-VALUE})")
    String device;

    @Option(names = "--precision", defaultValue = "bf16", description = "bf16 or f32 (${DEFAULT-VALUE})")
    String precision;

    @Option(names = "--no-progress", description = "No progress bar (logs, CI)")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Precision p = ModelLoading.precision(precision);
        boolean full = fullFineTuning();
        ProjectionLoader projections = ModelLoading.projections(loadIn4bit, false);
        Optimizer.Kind optimizer = Optimizer.named(optim, weightDecay);
        GradientCheckpointing checkpointingMode = GradientCheckpointing.parse(checkpointing);
        double embeddingMultiplier = embeddingLr == null ? 1 : embeddingLr / lr;
        DataOptions options = DataOptions.defaults().withFormat(DataFormat.parse(format)).withChatTemplate(chatTemplate)
                .withResponsesOnly(!allTokens).withMaxSeqLength(maxSeqLength).withBatchSize(batchSize)
                .withEvalFraction(evalFraction).withSeed(seed).withSkipBadRows(skipBadRows)
                .withCacheDir(this.out.resolve("data-cache"));
        if (patience > 0 && evalSteps <= 0) {
            throw new InvalidSettingException("--early-stopping-patience " + patience + " needs evaluations",
                    "give --eval-steps N as well");
        }
        Optional<Path> checkpoint = resume ? TrainingCheckpoint.latest(this.out) : Optional.empty();
        if (resume && checkpoint.isEmpty()) {
            throw new InvalidSettingException("--resume: " + this.out + " holds no checkpoint", "a run writes them with"
                    + " --save-steps N; start without --resume to train from the beginning");
        }
        try (Tokenizer tokenizer = Tokenizer.load(model); Accelerator acc = Accelerator.open(device);
             Decoder decoder = Decoder.open(model, acc, p, projections);
             TrainableParameters trained = full ? FullFineTuning.of(decoder, model, embeddingMultiplier)
                     : LoraParameters.owning(adapter != null ? LoraAdapter.load(decoder, adapter)
                             : LoraAdapter.attach(decoder, loraConfig()), model.toString(), embeddingMultiplier);
             TrainingData dataset = TrainingData.prepare(data, tokenizer, options)) {
            out.printf(Locale.ROOT, "loris: %s on %s (%s%s), %s, %s; %s%n", model, acc.description(),
                    p.name().toLowerCase(Locale.ROOT), loadIn4bit ? ", base in NF4" : "", describe(trained),
                    optimizer.name(), dataset.stats());
            int steps = totalSteps(dataset);
            Map<String, String> settings = resumeSettings(steps);
            TrainingCheckpoint.State state = checkpoint.map(c -> TrainingCheckpoint.read(c, settings)).orElse(null);
            double before = Evaluation.loss(decoder, dataset.evalBatches());
            Trainer.Settings trainerSettings = new Trainer.Settings(
                    new LearningRateSchedule(LearningRateSchedule.shape(schedule), lr, Math.min(warmupSteps, steps),
                            steps),
                    optimizer, maxGradNorm, seed, checkpointingMode);
            TrainingRun.Summary summary;
            try (Trainer trainer = new Trainer(decoder, trained, trainerSettings)) {
                if (state != null) {
                    TrainingCheckpoint.restore(checkpoint.get(), trainer, state);
                    out.printf(Locale.ROOT, "loris: resuming from %s (step %d of %d)%n", checkpoint.get(), state.step(),
                            steps);
                }
                BatchStream stream = dataset.trainBatches(state != null ? state.next() : DataPosition.START,
                        epochsFor(steps, dataset));
                summary = TrainingRun.run(trainer, new TrainingRun.Data(stream, stream::position, dataset.evalBatches()),
                        new TrainingRun.Options(steps, gradAccum, saveSteps, this.out, !noProgress, evalSteps,
                                new TrainingRun.EarlyStopping(patience, minImprovement), settings),
                        state, r -> { });
            }
            double after = Evaluation.loss(decoder, dataset.evalBatches());
            out.println("loris: " + summary);
            if (!Double.isNaN(before)) {
                out.printf(Locale.ROOT, "loris: eval loss %.4f -> %.4f (perplexity %.2f -> %.2f)%s%n", before, after,
                        Math.exp(before), Math.exp(after), summary.stoppedEarly() ? "; the best was kept" : "");
            }
            out.flush();
        }
    }

    /** What a resumed run must share with the one it continues (TrainingCheckpoint refuses a mismatch). */
    private Map<String, String> resumeSettings(int steps) {
        return TrainingCheckpoint.settings("model", model.toAbsolutePath().normalize(), "data",
                data.toAbsolutePath().normalize(), "format", format, "chat-template", chatTemplate,
                "train-on-all-tokens", allTokens, "method", method, "lora-r", rank, "lora-alpha", alpha,
                "lora-dropout", dropout, "rslora", rsLora, "targets", targets, "adapter", adapter, "load-in-4bit",
                loadIn4bit, "max-seq-length", maxSeqLength, "batch-size", batchSize, "grad-accum", gradAccum, "lr", lr,
                "embedding-lr", embeddingLr, "optim", optim, "schedule", schedule, "warmup-steps", warmupSteps,
                "weight-decay", weightDecay, "max-grad-norm", maxGradNorm, "steps", steps, "eval-fraction",
                evalFraction, "seed", seed, "precision", precision);
    }

    /** --method: whether every weight trains; full fine-tuning refuses what only LoRA can do. */
    private boolean fullFineTuning() {
        boolean full = switch (method.toLowerCase(Locale.ROOT)) {
            case "lora" -> false;
            case "full" -> true;
            default -> throw new InvalidSettingException("--method " + method + " is not known", "use lora or full");
        };
        if (full && (loadIn4bit || adapter != null)) {
            throw new InvalidSettingException("--method full trains every weight, so it cannot take "
                    + (loadIn4bit ? "--load-in-4bit (4-bit weights do not train)" : "--adapter"),
                    "drop that option, or use --method lora");
        }
        if (embeddingLr != null && !(embeddingLr >= 0)) {
            throw new InvalidSettingException("--embedding-lr " + embeddingLr + " is negative", "give a learning rate of 0"
                    + " or more, e.g. 5e-6");
        }
        return full;
    }

    private static String describe(TrainableParameters trained) {
        long parameters = trained.groups().stream().mapToLong(TrainableParameters.Group::length).sum();
        return trained instanceof LoraParameters lora
                ? String.format(Locale.ROOT, "LoRA r %d on %s (%,d parameters)", lora.adapter().config().rank(),
                        String.join(",", lora.adapter().config().targetModules()), parameters)
                : String.format(Locale.ROOT, "full fine-tuning (%,d parameters)", parameters);
    }

    private LoraConfig loraConfig() {
        List<String> modules = targets.equals("all") ? List.of("all-linear") : Arrays.asList(targets.split(","));
        return new LoraConfig(rank, alpha, rsLora, dropout, modules, List.of(), seed);
    }

    /** --epochs, or with --max-steps as many passes as those steps need (as transformers' Trainer does). */
    private int epochsFor(int steps, TrainingData dataset) {
        if (maxSteps <= 0) {
            return epochs;
        }
        long perEpoch = Math.max(1, dataset.batchesInEpoch(0));
        return (int) Math.min(Integer.MAX_VALUE, ((long) steps * gradAccum + perEpoch - 1) / perEpoch);
    }

    /** --max-steps, or enough optimizer steps for the epochs (a last partial window counts). */
    private int totalSteps(TrainingData dataset) {
        if (gradAccum < 1) {
            throw new dev.loris.InvalidSettingException("--grad-accum " + gradAccum + " is below 1", "use 1 or more");
        }
        if (maxSteps > 0) {
            return maxSteps;
        }
        if (epochs < 1) {
            throw new dev.loris.InvalidSettingException("--epochs " + epochs + " is below 1", "use 1 or more, or give --max-steps");
        }
        long batches = 0;
        for (int e = 0; e < epochs; e++) {
            batches += dataset.batchesInEpoch(e);
        }
        return (int) Math.max(1, (batches + gradAccum - 1) / gradAccum);
    }
}
