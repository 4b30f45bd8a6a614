package dev.loris.samples;

import dev.loris.api.FineTuner;
import dev.loris.api.TrainOptions;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Precision;
import dev.loris.train.ExactMatchEvaluation;
import dev.loris.train.ExactMatchEvaluation.Question;
import dev.loris.train.TrainingRun;
import dev.loris.train.optim.Optimizer;

import java.nio.file.Path;
import java.util.List;

/**
 * Loris from Java code: open a model, attach LoRA, prepare a chat dataset, train with a callback per step, save
 * the adapter, and score greedy answers on held-out conversations before and after, through the Java API
 * ({@link FineTuner}: what {@code loris train} itself runs).
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
        FineTuner.Load load = FineTuner.Load.defaults().withDevice(device).withPrecision(Precision.F32);
        try (FineTuner tuner = FineTuner.load(model, load)) {
            tuner.addLora(LoraConfig.defaults().withRank(16, 16).withSeed(3407));
            List<Question> questions = ExactMatchEvaluation.read(heldOut);
            var before = tuner.exactMatch(questions);
            System.out.println("held-out exact match before: " + before);

            TrainOptions options = TrainOptions.defaults().maxSteps(steps).maxSeqLength(128).batchSize(8)
                    .gradientAccumulation(1).learningRate(2e-3).optimizer(new Optimizer.AdamW(0.9, 0.999, 1e-8, 0))
                    .seed(3407).out(out).progress(false);
            FineTuner.Result result = tuner.train(train, options,
                    step -> System.out.printf("step %d loss %.4f%n", step.step(), step.loss()));

            var after = tuner.exactMatch(questions);
            System.out.println("held-out exact match after: " + after + "; adapter in " + result.summary().saved());
            tuner.saveMerged(out.resolve("merged"));                // save_pretrained_merged
            tuner.saveGguf(out.resolve("model.gguf"), "q8_0");      // save_pretrained_gguf (+ an Ollama Modelfile)
            String question = questions.getFirst().prompt().getLast().content();
            System.out.println(question + " -> " + tuner.chat(question,
                    ExactMatchEvaluation.maxNewTokensFor(tuner.tokenizer(), questions))); // for_inference + generate
            return new Outcome(before, after, result.summary());
        }
    }
}
