package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.Evaluation;
import dev.loris.train.LoraTrainer;
import dev.loris.train.TrainingRun;
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

/**
 * {@code loris train}: LoRA (or QLoRA with --load-in-4bit) fine-tuning of a Hugging Face model folder on a
 * dataset, writing the adapter, checkpoints, metrics.jsonl and loss.png under --out. The steps: open the
 * device, the tokenizer and the model; attach a new adapter (or continue one with --adapter); prepare the
 * dataset (train/data); train (LoraTrainer through TrainingRun); evaluate the held-out split before and after.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fine-tune a model with LoRA on a dataset; writes an adapter PEFT and Loris load.")
final class TrainCommand implements Runnable {
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

    @Option(names = "--schedule", defaultValue = "linear", description = "constant, linear or cosine (${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--warmup-steps", defaultValue = "5", description = "Linear warm-up steps (${DEFAULT-VALUE})")
    int warmupSteps;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW's decoupled weight decay (${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1", description = "Clip the gradient norm; 0 turns it off (${DEFAULT-VALUE})")
    double maxGradNorm;

    @Option(names = "--epochs", defaultValue = "1", description = "Passes over the data (${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after this many steps (0: the epochs decide)")
    int maxSteps;

    @Option(names = "--save-steps", defaultValue = "0", description = "Save the adapter every N steps (0: at the end only)")
    int saveSteps;

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
        ProjectionLoader projections = ModelLoading.projections(loadIn4bit, false);
        DataOptions options = DataOptions.defaults().withFormat(DataFormat.parse(format)).withChatTemplate(chatTemplate)
                .withResponsesOnly(!allTokens).withMaxSeqLength(maxSeqLength).withBatchSize(batchSize)
                .withEvalFraction(evalFraction).withSeed(seed).withSkipBadRows(skipBadRows)
                .withCacheDir(this.out.resolve("data-cache"));
        try (Tokenizer tokenizer = Tokenizer.load(model); Accelerator acc = Accelerator.open(device);
             Decoder decoder = Decoder.open(model, acc, p, projections);
             LoraAdapter lora = adapter != null ? LoraAdapter.load(decoder, adapter)
                     : LoraAdapter.attach(decoder, loraConfig());
             TrainingData dataset = TrainingData.prepare(data, tokenizer, options)) {
            out.printf(Locale.ROOT, "loris: %s on %s (%s%s), LoRA r %d on %s; %s%n", model, acc.description(),
                    p.name().toLowerCase(Locale.ROOT), loadIn4bit ? ", base in NF4" : "", lora.config().rank(),
                    String.join(",", lora.config().targetModules()), dataset.stats());
            int steps = totalSteps(dataset);
            double before = Evaluation.loss(decoder, dataset.evalBatches());
            LoraTrainer.Settings settings = new LoraTrainer.Settings(
                    new LearningRateSchedule(LearningRateSchedule.shape(schedule), lr, Math.min(warmupSteps, steps),
                            steps),
                    new Optimizer.AdamW(0.9, 0.999, 1e-8, weightDecay), maxGradNorm, seed);
            TrainingRun.Summary summary;
            try (LoraTrainer trainer = new LoraTrainer(decoder, lora, settings)) {
                summary = TrainingRun.run(trainer, lora, dataset.trainBatches(DataPosition.START, epochsFor(steps, dataset)),
                        new TrainingRun.Options(steps, gradAccum, saveSteps, this.out, model.toString(), !noProgress),
                        r -> { });
            }
            double after = Evaluation.loss(decoder, dataset.evalBatches());
            out.println("loris: " + summary);
            if (!Double.isNaN(before)) {
                out.printf(Locale.ROOT, "loris: eval loss %.4f -> %.4f (perplexity %.2f -> %.2f)%n", before, after,
                        Math.exp(before), Math.exp(after));
            }
            out.flush();
        }
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
