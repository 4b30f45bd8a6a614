package dev.loris.samples;

import dev.loris.lora.LoraAdapter;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.Precision;
import dev.loris.model.generate.StopTokens;
import dev.loris.model.tokenizer.ChatTemplate;
import dev.loris.model.tokenizer.Tokenizer;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.train.ExactMatchEvaluation;
import dev.loris.train.ExactMatchEvaluation.Question;
import dev.loris.train.LoraTrainer;
import dev.loris.train.TrainingRun;
import dev.loris.train.data.DataOptions;
import dev.loris.train.data.DataPosition;
import dev.loris.train.data.TrainingData;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;

import java.nio.file.Path;
import java.util.List;

/**
 * Loris from Java code: open a model, attach LoRA, prepare a chat dataset, train with a callback per step, save
 * the adapter, and score greedy answers on held-out conversations before and after. What {@code loris train}
 * does, in the classes it uses today (the Java API the lead is building will wrap these steps).
 *
 * <pre>java ... dev.loris.samples.FineTuneFromJava MODEL_DIR TRAIN.jsonl HELD_OUT.jsonl OUT_DIR [STEPS] [DEVICE]</pre>
 */
public final class FineTuneFromJava {
    private FineTuneFromJava() {
    }

    /** Accuracy before and after training, as the run printed it. */
    public record Outcome(ExactMatchEvaluation.Result before, ExactMatchEvaluation.Result after,
                          TrainingRun.Summary summary) {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: FineTuneFromJava MODEL_DIR TRAIN.jsonl HELD_OUT.jsonl OUT_DIR [STEPS] [DEVICE]");
            System.exit(2);
        }
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        String device = args.length > 5 ? args[5] : "auto";
        fineTune(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), steps, device);
    }

    public static Outcome fineTune(Path model, Path train, Path heldOut, Path out, int steps, String device) {
        long seed = 3407;
        DataOptions data = DataOptions.defaults().withMaxSeqLength(128).withBatchSize(8).withSeed(seed)
                .withCacheDir(out.resolve("data-cache"));
        try (Tokenizer tokenizer = Tokenizer.load(model);
             Accelerator acc = Accelerator.open(device);
             Decoder decoder = Decoder.open(model, acc, Precision.F32);
             LoraAdapter lora = LoraAdapter.attach(decoder, new LoraConfig(16, 16, false, 0,
                     List.of("all-linear"), List.of(), seed));
             TrainingData dataset = TrainingData.prepare(train, tokenizer, data)) {
            ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
            List<Question> questions = ExactMatchEvaluation.read(heldOut);
            var stops = StopTokens.of(model, decoder.config(), tokenizer);
            int maxNew = ExactMatchEvaluation.maxNewTokensFor(tokenizer, questions);
            var before = ExactMatchEvaluation.evaluate(decoder, tokenizer, template, questions, stops, maxNew, 32);
            System.out.println("held-out exact match before: " + before);

            LoraTrainer.Settings settings = new LoraTrainer.Settings(
                    new LearningRateSchedule(LearningRateSchedule.shape("linear"), 2e-3, Math.min(5, steps), steps),
                    new Optimizer.AdamW(0.9, 0.999, 1e-8, 0.0), 1.0, seed);
            TrainingRun.Summary summary;
            try (LoraTrainer trainer = new LoraTrainer(decoder, lora, settings)) {
                summary = TrainingRun.run(trainer, lora, dataset.trainBatches(DataPosition.START, 0),
                        new TrainingRun.Options(steps, 1, 0, out, model.toString(), false),
                        step -> System.out.printf("step %d loss %.4f%n", step.step(), step.loss()));
            }
            var after = ExactMatchEvaluation.evaluate(decoder, tokenizer, template, questions, stops, maxNew, 32);
            System.out.println("held-out exact match after: " + after + "; adapter in " + summary.adapter());
            return new Outcome(before, after, summary);
        }
    }
}
