package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.api.FineTuner;
import dev.loris.api.TrainOptions;
import dev.loris.lora.LoraConfig;
import dev.loris.model.decoder.Precision;
import dev.loris.train.ExactMatchEvaluation;
import dev.loris.train.ExactMatchEvaluation.Question;
import dev.loris.train.ExactMatchEvaluation.Result;
import dev.loris.train.optim.LearningRateSchedule;
import dev.loris.train.optim.Optimizer;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code loris train} with no arguments (issue 14): the bundled tiny model (demo/model) learns a skill it lacks
 * from the bundled dataset (demo/data: ISO dates to words), with LoRA on the best backend present. It scores
 * exact-match accuracy on the held-out chats before and after, then writes the adapter, a merged model and a
 * Q8_0 GGUF with its Ollama Modelfile. demo/README.md says how the model, tokenizer and data were made.
 */
final class DemoRun {
    /** Where the demo reads and writes. */
    record Layout(Path model, Path train, Path heldOut, Path out) {
        /** The bundled demo under the Loris folder {@code home}, writing to outputs/demo there. */
        static Layout bundled(Path home) {
            Path demo = home.resolve("demo");
            return new Layout(demo.resolve("model"), demo.resolve("data/dates-train.jsonl"),
                    demo.resolve("data/dates-eval.jsonl"), home.resolve("outputs/demo"));
        }
    }

    private DemoRun() {
    }

    static void run(Layout files, String device, boolean progress, PrintWriter out) {
        requireWeights(files.model());
        long start = System.nanoTime();
        FineTuner.Load load = FineTuner.Load.defaults().withDevice(device).withPrecision(Precision.F32);
        try (FineTuner tuner = FineTuner.load(files.model(), load)) {
            out.printf(Locale.ROOT, "loris: the bundled demo on %s: LoRA teaches %s to write ISO dates in words%n",
                    tuner.accelerator().description(), files.model());
            out.flush();
            List<Question> questions = ExactMatchEvaluation.read(files.heldOut());
            Result before = tuner.exactMatch(questions);
            out.println("loris: held-out exact match before training: " + before);
            out.flush();
            tuner.addLora(LoraConfig.defaults().withRank(16, 16).withSeed(3407));
            TrainOptions options = TrainOptions.defaults().maxSeqLength(64).batchSize(16).gradientAccumulation(1)
                    // 5e-3 and two epochs (demo/README.md's sweep): 2e-3 or one epoch leave near misses (6-21%)
                    .learningRate(5e-3).schedule(LearningRateSchedule.Shape.LINEAR, 5)
                    .optimizer(new Optimizer.AdamW(0.9, 0.999, 1e-8, 0)).epochs(2).seed(3407).out(files.out())
                    .progress(progress);
            options.data(options.data().withEvalFraction(0)); // the held-out chats are their own file
            FineTuner.Result trained = tuner.train(files.train(), options, step -> { });
            out.println("loris: " + trained.summary());
            Result after = tuner.exactMatch(questions);
            out.println("loris: held-out exact match after training: " + after);
            String question = questions.getFirst().prompt().getLast().content();
            out.println("loris: " + question + " -> "
                    + tuner.chat(question, ExactMatchEvaluation.maxNewTokensFor(tuner.tokenizer(), questions)).strip());
            Path merged = files.out().resolve("merged");
            tuner.saveMerged(merged);
            Path gguf = files.out().resolve("demo-q8_0.gguf");
            Path modelfile = tuner.saveGguf(gguf, "q8_0");
            out.printf(Locale.ROOT, "loris: wrote the adapter %s, the merged model %s, %s and %s (ollama create"
                            + " demo -f %s) in %.0f s in all%n", trained.summary().saved(), merged, gguf, modelfile,
                    modelfile.getFileName(), (System.nanoTime() - start) / 1e9);
            out.flush();
        }
    }

    /** The bundled model's weights are made by a script, not downloaded: say so when they are missing. */
    private static void requireWeights(Path model) {
        try (Stream<Path> files = Files.isDirectory(model) ? Files.list(model) : Stream.empty()) {
            if (files.noneMatch(f -> f.getFileName().toString().endsWith(".safetensors"))) {
                throw new LorisException("the demo model " + model + " has no weights yet (model.safetensors)",
                        "they are made by demo/scripts/pretrain.sh (demo/README.md); or train your own model with"
                                + " --model DIR --data PATH --out DIR");
            }
        } catch (IOException e) {
            throw new LorisException("cannot read " + model + ": " + e.getMessage(), "check the folder");
        }
    }
}
