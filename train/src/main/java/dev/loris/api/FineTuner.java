package dev.loris.api;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.gguf.export.GgufExporter;
import dev.loris.gguf.export.GgufFileType;
import dev.loris.gguf.export.Modelfile;
import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.lora.LoraMerge;
import dev.loris.model.Folders;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Generator;
import dev.loris.model.decoder.Precision;
import dev.loris.model.decoder.ProjectionLoader;
import dev.loris.model.generate.SamplingSettings;
import dev.loris.model.generate.StopTokens;
import dev.loris.model.tokenizer.ChatMessage;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.quant.QuantScheme;
import dev.loris.quant.QuantizedProjections;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.Evaluation;
import dev.loris.train.ExactMatchEvaluation;
import dev.loris.train.FullFineTuning;
import dev.loris.train.LoraParameters;
import dev.loris.train.TrainableParameters;
import dev.loris.train.Trainer;
import dev.loris.train.TrainingCheckpoint;
import dev.loris.train.TrainingRun;
import dev.loris.train.data.BatchStream;
import dev.loris.train.data.DataPosition;
import dev.loris.train.data.TrainingData;
import dev.loris.train.optim.LearningRateSchedule;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Loris from Java, in the shape Unsloth users know: load a model ({@code FastLanguageModel.from_pretrained}),
 * add LoRA ({@code get_peft_model}) or train every weight, train on a dataset with a callback per step
 * ({@code SFTTrainer(...).train()}), then save the adapter, a merged model or a GGUF file
 * ({@code save_pretrained}, {@code save_pretrained_merged}, {@code save_pretrained_gguf}), and generate.
 *
 * <pre>{@code
 * try (FineTuner tuner = FineTuner.load(Path.of("models/Qwen2.5-0.5B-Instruct"), FineTuner.Load.defaults())) {
 *     tuner.addLora(LoraConfig.defaults().withRank(16, 16));
 *     FineTuner.Result r = tuner.train(Path.of("data/chats.jsonl"),
 *             TrainOptions.defaults().maxSteps(60).out(Path.of("runs/chat")), step -> { });
 *     tuner.saveGguf(Path.of("runs/chat/model.gguf"), "q4_k_m");
 *     System.out.println(tuner.chat("What is the capital of France?", 32));
 * }
 * }</pre>
 *
 * {@code loris train} is this class behind a command line. One object holds one device, tokenizer and decoder;
 * it is not thread-safe.
 */
public final class FineTuner implements AutoCloseable {
    /** Where and how the model is opened: the device spec, compute precision, and 4- or 8-bit base weights. */
    public record Load(String device, Precision precision, QuantScheme quantization) {
        public static Load defaults() {
            return new Load("auto", Precision.BF16, null);
        }

        public Load withDevice(String spec) {
            return new Load(spec, precision, quantization);
        }

        public Load withPrecision(Precision p) {
            return new Load(device, p, quantization);
        }

        /** QLoRA: {@link QuantScheme#LOAD_IN_4BIT} (NF4) or {@code LOAD_IN_8BIT}; null keeps 16-bit weights. */
        public Load withQuantization(QuantScheme scheme) {
            return new Load(device, precision, scheme);
        }
    }

    /** A training run's outcome: the run's summary and the held-out loss before and after (NaN without a split). */
    public record Result(TrainingRun.Summary summary, double evalLossBefore, double evalLossAfter) {
    }

    private final Path folder;
    private final Load load;
    private final Accelerator acc;
    private final Tokenizer tokenizer;
    private final Decoder decoder;
    private LoraAdapter adapter;
    private boolean full;

    private FineTuner(Path folder, Load load, Accelerator acc, Tokenizer tokenizer, Decoder decoder) {
        this.folder = folder;
        this.load = load;
        this.acc = acc;
        this.tokenizer = tokenizer;
        this.decoder = decoder;
    }

    /** Opens the device, the tokenizer and the model of a Hugging Face folder. */
    public static FineTuner load(Path folder, Load load) {
        ProjectionLoader projections = load.quantization() == null ? ProjectionLoader.DENSE
                : QuantizedProjections.loader(load.quantization());
        Accelerator acc = Accelerator.open(load.device());
        Tokenizer tokenizer = null;
        try {
            tokenizer = Tokenizer.load(folder);
            return new FineTuner(folder, load, acc, tokenizer, Decoder.open(folder, acc, load.precision(), projections));
        } catch (RuntimeException | Error e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            acc.close();
            throw e;
        }
    }

    /** Attaches a new LoRA adapter (PEFT's default initialisation from the config's seed). */
    public FineTuner addLora(LoraConfig config) {
        requireNoMethod();
        this.adapter = LoraAdapter.attach(decoder, config);
        return this;
    }

    /** Continues training an adapter folder (PEFT's or Loris'). */
    public FineTuner loadAdapter(Path adapterFolder) {
        requireNoMethod();
        this.adapter = LoraAdapter.load(decoder, adapterFolder);
        return this;
    }

    /** Trains every weight (f32 master weights; see {@link FullFineTuning}); refuses a quantised model. */
    public FineTuner fullFineTuning() {
        requireNoMethod();
        if (load.quantization() != null) {
            throw new InvalidSettingException("full fine-tuning trains every weight, so it cannot take a 4- or 8-bit"
                    + " base model", "load the model in 16 bits, or use LoRA");
        }
        this.full = true;
        return this;
    }

    /**
     * Trains on a dataset (a file or save_to_disk folder; see {@link TrainingData}), calling {@code onStep} after
     * every optimizer step, and saves what trained under the options' out folder (adapter/ or model/).
     */
    public Result train(Path data, TrainOptions options, Consumer<Trainer.StepResult> onStep) {
        options.validate();
        if (adapter == null && !full) {
            throw new InvalidSettingException("nothing to train: neither LoRA nor full fine-tuning was chosen",
                    "call addLora(...), loadAdapter(...) or fullFineTuning() first");
        }
        Optional<Path> checkpoint = options.resume ? TrainingCheckpoint.latest(options.out) : Optional.empty();
        if (options.resume && checkpoint.isEmpty()) {
            throw new InvalidSettingException("--resume: " + options.out + " holds no checkpoint", "a run writes them"
                    + " with --save-steps N; start without --resume to train from the beginning");
        }
        double multiplier = options.embeddingLearningRate == null ? 1 : options.embeddingLearningRate / options.learningRate;
        try (TrainingData dataset = TrainingData.prepare(data, tokenizer,
                options.data.withCacheDir(options.out.resolve("data-cache")));
             TrainableParameters trained = full ? FullFineTuning.of(decoder, folder, multiplier)
                     : new LoraParameters(adapter, folder.toString(), multiplier)) {
            int steps = totalSteps(dataset, options);
            long parameters = trained.groups().stream().mapToLong(TrainableParameters.Group::length).sum();
            options.log.accept(String.format(Locale.ROOT, "%s on %s (%s%s), %s (%,d parameters), %s; %s", folder,
                    acc.description(), load.precision().name().toLowerCase(Locale.ROOT),
                    load.quantization() == null ? "" : ", base in " + load.quantization(), describe(), parameters,
                    options.optimizer.name(), dataset.stats()));
            Map<String, String> identity = identity(data, options, steps);
            TrainingCheckpoint.State state = checkpoint.map(c -> TrainingCheckpoint.read(c, identity)).orElse(null);
            double before = Evaluation.loss(decoder, dataset.evalBatches());
            Trainer.Settings settings = new Trainer.Settings(new LearningRateSchedule(options.schedule,
                    options.learningRate, Math.min(options.warmupSteps, steps), steps), options.optimizer,
                    options.maxGradNorm, options.seed, options.checkpointing);
            TrainingRun.Summary summary;
            try (Trainer trainer = new Trainer(decoder, trained, settings)) {
                if (state != null) {
                    TrainingCheckpoint.restore(checkpoint.get(), trainer, state);
                    options.log.accept(String.format(Locale.ROOT, "resuming from %s (step %d of %d)", checkpoint.get(),
                            state.step(), steps));
                }
                BatchStream stream = dataset.trainBatches(state != null ? state.next() : DataPosition.START,
                        epochsFor(steps, dataset, options));
                summary = TrainingRun.run(trainer, new TrainingRun.Data(stream, stream::position, dataset.evalBatches()),
                        new TrainingRun.Options(steps, options.gradientAccumulation, options.saveSteps, options.out,
                                options.progress, options.evalSteps, options.earlyStopping, identity),
                        state, onStep);
            }
            return new Result(summary, before, Evaluation.loss(decoder, dataset.evalBatches()));
        }
    }

    /** What trains: "LoRA r 16 on q_proj,..." or "full fine-tuning". */
    public String describe() {
        if (full) {
            return "full fine-tuning";
        }
        return adapter == null ? "nothing to train yet" : "LoRA r " + adapter.config().rank() + " on "
                + String.join(",", adapter.config().targetModules());
    }

    /** Writes the adapter as PEFT's files (adapter_config.json, adapter_model.safetensors). */
    public void saveAdapter(Path out) {
        if (adapter == null) {
            throw new InvalidSettingException("no LoRA adapter to save", "addLora(...) or loadAdapter(...) first");
        }
        adapter.save(out, folder.toString());
    }

    /** The base model with the adapter merged in, as a 16-bit safetensors folder transformers loads. */
    public void saveMerged(Path out) {
        if (adapter == null) {
            throw new InvalidSettingException("no LoRA adapter to merge", "addLora(...) or loadAdapter(...) first");
        }
        LoraMerge.merge(folder, adapter, out);
    }

    /**
     * One GGUF file for llama.cpp and Ollama (with a Modelfile beside it) of the model as trained: the adapter
     * merged in first when there is one; {@code quant} as {@code loris export --quant} (q4_k_m, q8_0, f16, ...).
     * After full fine-tuning, export the saved model folder with {@link #exportGguf}.
     */
    public Path saveGguf(Path out, String quant) {
        if (adapter == null) {
            return exportGguf(folder, out, quant);
        }
        return throughMergedFolder(out, this::saveMerged, merged -> exportGguf(merged, out, quant));
    }

    /**
     * {@code export} of a model that {@code merge} writes into a hidden folder beside {@code out}, removed
     * afterwards whatever happens: how a model with its adapter merged in becomes one GGUF file.
     */
    public static <T> T throughMergedFolder(Path out, Consumer<Path> merge, Function<Path, T> export) {
        Path merged = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".merged");
        try {
            merge.accept(merged);
            return export.apply(merged);
        } finally {
            try {
                Folders.deleteTree(merged);
            } catch (IOException e) {
                throw new LorisException("cannot remove the temporary merged model " + merged + ": " + e.getMessage(),
                        "delete it by hand");
            }
        }
    }

    /** A model folder to GGUF (and its Modelfile); returns the Modelfile's path. */
    public static Path exportGguf(Path modelFolder, Path out, String quant) {
        GgufExporter.export(modelFolder, out, new GgufExporter.Options(GgufFileType.parse(quant),
                Runtime.getRuntime().availableProcessors(), line -> { }));
        return Modelfile.write(modelFolder, out);
    }

    /** A greedy answer to one user message, through the model's chat template (or the raw text without one). */
    public String chat(String userMessage, int maxNewTokens) {
        Optional<ChatTemplate> template = tokenizer.chatTemplate();
        int[] prompt = template.isEmpty() ? tokenizer.encode(userMessage, true)
                : tokenizer.encode(template.get().render(List.of(ChatMessage.user(userMessage)), true), false);
        int[] answer = new Generator(decoder).generate(List.<int[]>of(prompt), maxNewTokens, SamplingSettings.GREEDY,
                StopTokens.of(folder, decoder.config(), tokenizer), null).getFirst();
        return tokenizer.decode(answer, true);
    }

    /**
     * Greedy answers to held-out chats scored by exact match ({@link ExactMatchEvaluation}), 32 at a time,
     * through the model's chat template and stop tokens.
     */
    public ExactMatchEvaluation.Result exactMatch(List<ExactMatchEvaluation.Question> questions) {
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow(() -> new LorisException(folder
                + " has no chat template", "exact match scores chats: the model's tokenizer_config.json needs one"));
        return ExactMatchEvaluation.evaluate(decoder, tokenizer, template, questions,
                StopTokens.of(folder, decoder.config(), tokenizer),
                ExactMatchEvaluation.maxNewTokensFor(tokenizer, questions), 32);
    }

    public Decoder decoder() {
        return decoder;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Accelerator accelerator() {
        return acc;
    }

    public Optional<LoraAdapter> adapter() {
        return Optional.ofNullable(adapter);
    }

    private void requireNoMethod() {
        if (adapter != null || full) {
            throw new InvalidSettingException("a training method was chosen already (" + describe() + ")",
                    "choose one of addLora, loadAdapter and fullFineTuning per FineTuner");
        }
    }

    /** What a resumed run must share with the one it continues (TrainingCheckpoint refuses a mismatch). */
    private Map<String, String> identity(Path data, TrainOptions options, int steps) {
        Map<String, String> identity = new LinkedHashMap<>();
        identity.put("model", folder.toAbsolutePath().normalize().toString());
        identity.put("data", data.toAbsolutePath().normalize().toString());
        identity.put("precision", load.precision().toString());
        identity.put("quantization", String.valueOf(load.quantization()));
        identity.put("lora", adapter == null ? "none" : adapter.config().toString());
        identity.putAll(options.identity(full ? "full" : "lora", steps));
        return identity;
    }

    /** The options' epochs, or with max steps as many passes as those steps need (as transformers' Trainer does). */
    private static int epochsFor(int steps, TrainingData dataset, TrainOptions options) {
        if (options.maxSteps <= 0) {
            return options.epochs;
        }
        long perEpoch = Math.max(1, dataset.batchesInEpoch(0));
        return (int) Math.min(Integer.MAX_VALUE, ((long) steps * options.gradientAccumulation + perEpoch - 1) / perEpoch);
    }

    /** Max steps, or enough optimizer steps for the epochs (a last partial window counts). */
    private static int totalSteps(TrainingData dataset, TrainOptions options) {
        if (options.maxSteps > 0) {
            return options.maxSteps;
        }
        long batches = 0;
        for (int e = 0; e < options.epochs; e++) {
            batches += dataset.batchesInEpoch(e);
        }
        return (int) Math.max(1, (batches + options.gradientAccumulation - 1) / options.gradientAccumulation);
    }

    @Override
    public void close() {
        try (acc; tokenizer; decoder) {
            if (adapter != null) {
                adapter.close();
            }
        }
    }
}
