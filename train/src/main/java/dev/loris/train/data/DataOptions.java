package dev.loris.train.data;

import dev.loris.InvalidSettingException;

import java.nio.file.Path;
import java.util.Map;

/**
 * How a dataset becomes batches; each setting is one flag of {@code loris train}.
 *
 * @param format             row format, {@link DataFormat#AUTO} to detect it per file ({@code --format})
 * @param chatTemplate       a template name of {@link ChatTemplates#NAMES}, or null / "model" for the model's own
 *                           ({@code --chat-template})
 * @param responsesOnly      train on assistant tokens only (conversations; raw text always trains every token)
 * @param maxSeqLength       longest sequence in tokens; longer rows are truncated and counted ({@code --max-seq-length})
 * @param batchSize          sequences per batch; with packing a batch holds up to batchSize x maxSeqLength tokens
 *                           of whole sequences ({@code --batch-size})
 * @param packing            pack several sequences into one batch up to its token budget
 * @param evalFraction       share of examples held out for evaluation (0 for none), or
 * @param evalCount          a number of examples held out (wins over the fraction when above 0)
 * @param seed               seed of the shuffle and the held-out choice ({@code --seed})
 * @param shuffle            shuffle the training examples each epoch (a permutation per epoch from the seed)
 * @param skipBadRows        skip malformed rows and count them instead of stopping ({@code --skip-bad-rows})
 * @param split              the split of a Hugging Face DatasetDict folder or hub-style folder
 * @param textField          the column of raw text ({@link DataFormat#TEXT})
 * @param appendEos          end each raw text with the EOS token (so the model learns where documents end)
 * @param cacheDir           where the tokenized dataset is kept for reuse (a run's output folder), or null for a
 *                           temporary folder removed at close
 * @param templateVariables  extra variables for the chat template (enable_thinking, date_string, ...)
 */
public record DataOptions(DataFormat format, String chatTemplate, boolean responsesOnly, int maxSeqLength,
                          int batchSize, boolean packing, double evalFraction, int evalCount, long seed,
                          boolean shuffle, boolean skipBadRows, String split, String textField, boolean appendEos,
                          Path cacheDir, Map<String, Object> templateVariables) {

    public DataOptions {
        if (maxSeqLength < 2) {
            throw new InvalidSettingException("--max-seq-length " + maxSeqLength + " is too small", "use at least 2 tokens");
        }
        if (batchSize < 1) {
            throw new InvalidSettingException("--batch-size " + batchSize + " is below 1", "use 1 or more");
        }
        if (!(evalFraction >= 0 && evalFraction < 1)) {
            throw new InvalidSettingException("the eval fraction " + evalFraction + " is outside [0, 1)",
                    "hold out a fraction such as 0.05, or a count of examples");
        }
        if (evalCount < 0) {
            throw new InvalidSettingException("the eval count " + evalCount + " is negative", "use 0 for no eval split");
        }
        templateVariables = Map.copyOf(templateVariables);
    }

    /** Defaults as loris train's: auto format, the model's template, responses only, 2048 tokens, 2 x packed. */
    public static DataOptions defaults() {
        return new DataOptions(DataFormat.AUTO, null, true, 2048, 2, true, 0, 0, 3407, true, false, "train",
                "text", true, null, Map.of());
    }

    /** Tokens a batch may hold: batchSize x maxSeqLength with packing, else only the sequence count limits it. */
    public int tokensPerBatch() {
        return Math.multiplyExact(batchSize, maxSeqLength);
    }

    public DataOptions withFormat(DataFormat v) {
        return new DataOptions(v, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withChatTemplate(String v) {
        return new DataOptions(format, v, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withResponsesOnly(boolean v) {
        return new DataOptions(format, chatTemplate, v, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withMaxSeqLength(int v) {
        return new DataOptions(format, chatTemplate, responsesOnly, v, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withBatchSize(int v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, v, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withPacking(boolean v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, v, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withEvalFraction(double v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, v, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withEvalCount(int v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, v, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withSeed(long v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, v, shuffle, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withShuffle(boolean v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, v, skipBadRows, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withSkipBadRows(boolean v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, v, split, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withSplit(String v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, v, textField, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withTextField(String v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, v, appendEos, cacheDir, templateVariables);
    }

    public DataOptions withAppendEos(boolean v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, v, cacheDir, templateVariables);
    }

    public DataOptions withCacheDir(Path v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, v, templateVariables);
    }

    public DataOptions withTemplateVariables(Map<String, Object> v) {
        return new DataOptions(format, chatTemplate, responsesOnly, maxSeqLength, batchSize, packing, evalFraction, evalCount, seed, shuffle, skipBadRows, split, textField, appendEos, cacheDir, v);
    }
}
