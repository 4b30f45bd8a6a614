package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.api.FineTuner;
import dev.loris.api.TrainOptions;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.GradientCheckpointing;
import dev.loris.quant.QuantScheme;
import dev.loris.train.data.DataFormat;
import dev.loris.train.data.DataOptions;
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

    @Option(names = "--model", paramLabel = "DIR", description = "Hugging Face model folder (without --model,"
            + " --data and --out: the bundled demo, a tiny model learning a skill; see demo/README.md)")
    Path model;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Dataset: .jsonl/.json/.csv/.parquet/.arrow file, or a save_to_disk folder")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder")
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
            + " while the next layer computes, and back in time for the recompute; a frozen, untied input embedding"
            + " kept in host memory; smaller loss chunks: the least device memory)"
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
        if (model == null && data == null && this.out == null) {
            DemoRun.run(DemoRun.Layout.bundled(Path.of(System.getProperty("loris.home", "."))), device, !noProgress,
                    out);
            return;
        }
        if (model == null || data == null || this.out == null) {
            throw new InvalidSettingException("--model, --data and --out go together", "give all three, or none"
                    + " to run the bundled demo");
        }
        boolean full = fullFineTuning();
        TrainOptions options = TrainOptions.defaults()
                .data(DataOptions.defaults().withFormat(DataFormat.parse(format)).withChatTemplate(chatTemplate)
                        .withResponsesOnly(!allTokens).withMaxSeqLength(maxSeqLength).withBatchSize(batchSize)
                        .withEvalFraction(evalFraction).withSkipBadRows(skipBadRows))
                .seed(seed).gradientAccumulation(gradAccum).learningRate(lr).embeddingLearningRate(embeddingLr)
                .optimizer(Optimizer.named(optim, weightDecay))
                .schedule(LearningRateSchedule.shape(schedule), warmupSteps).maxGradNorm(maxGradNorm).epochs(epochs)
                .maxSteps(maxSteps).saveSteps(saveSteps).evalSteps(evalSteps).earlyStopping(patience, minImprovement)
                .gradientCheckpointing(GradientCheckpointing.parse(checkpointing)).out(this.out).progress(!noProgress)
                .resume(resume).log(line -> {
                    out.println("loris: " + line);
                    out.flush();
                });
        options.validate(); // before a model is loaded
        FineTuner.Load load = FineTuner.Load.defaults().withDevice(device)
                .withPrecision(ModelLoading.precision(precision))
                .withQuantization(loadIn4bit ? QuantScheme.LOAD_IN_4BIT : null);
        try (FineTuner tuner = FineTuner.load(model, load)) {
            if (full) {
                tuner.fullFineTuning();
            } else if (adapter != null) {
                tuner.loadAdapter(adapter);
            } else {
                tuner.addLora(loraConfig());
            }
            FineTuner.Result result = tuner.train(data, options, r -> { });
            out.println("loris: " + result.summary());
            if (!Double.isNaN(result.evalLossBefore())) {
                out.printf(Locale.ROOT, "loris: eval loss %.4f -> %.4f (perplexity %.2f -> %.2f)%s%n",
                        result.evalLossBefore(), result.evalLossAfter(), Math.exp(result.evalLossBefore()),
                        Math.exp(result.evalLossAfter()), result.summary().stoppedEarly() ? "; the best was kept" : "");
            }
            out.flush();
        }
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
        return full;
    }

    /** The --lora-* settings; a value LoraConfig refuses is bad usage here (exit 2), not a broken adapter file. */
    private LoraConfig loraConfig() {
        List<String> modules = targets.equals("all") ? List.of("all-linear") : Arrays.asList(targets.split(","));
        try {
            return new LoraConfig(rank, alpha, rsLora, dropout, modules, List.of(), seed);
        } catch (LorisException e) {
            throw new InvalidSettingException(e.getMessage(), e.hint());
        }
    }
}
