package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.math.TornadoMath;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Cross-entropy of the LM head, forward and backward in one launch, as transformers' causal-LM loss: per token
 * t with label y (a token id, or {@link #IGNORED} = -100), loss_t = logsumexp(row) - row[y] in f32, and the
 * gradient (softmax(row) - onehot(y)) * scale written <b>in place over the logits</b> (so a second
 * tokens x vocab buffer is never needed; the logits are gone afterwards). Ignored tokens get loss 0 and a zero
 * gradient row. The maths is f32 whatever the storage, as HF upcasts the logits to f32 before the loss; bf16
 * logits get the f32 gradient rounded to bf16, as the cast's backward does.
 *
 * <p>No shifting: the kernel pairs row t with labels[t]. transformers shifts inside its loss (logits[:, :-1]
 * predict labels[:, 1:]); callers here pass labels already shifted: the label of token t is the input id of
 * token t + 1, and -100 at the last token of each sequence (and wherever the loss is masked).
 *
 * <p>{@code scale} multiplies the gradient only: the caller passes 1 / (number of non-ignored labels) for
 * transformers' mean, counted over the whole gradient-accumulation window ({@link #countTargets}), times any
 * upstream factor. The mean loss is then {@link #sumLosses} / that count, summed in double on the host.
 *
 * <p>Chunks: the logits may be rows {@code firstRow ..} of the batch only (the LM head computed a chunk of
 * tokens at a time, so (tokens x vocab) logits never exist at once): row r of the buffer is token
 * {@code firstRow + r}, whose label and loss are at that index of {@code labels} and {@code losses}.
 *
 * <p>Grid: one work-group per row; global = {rows * L}, local = {L}, L a power of two at most
 * {@link #MAX_GROUP}; any vocab from 1 (up to 2^31 - 1; rows are addressed with long offsets). Each work-item
 * strides over the row keeping an online (max, sum of exp(x - max)), so the row is read once for the
 * statistics, however long; two block reductions merge the work-items' pairs; a second strided pass reads
 * each logit again and overwrites it with its gradient. Ignored rows are not read, only zeroed. Logits must
 * be finite or -inf (a -inf logit has probability 0), with at least one finite logit per row; a NaN logit
 * makes its row's loss and gradient NaN. A label outside [0, vocab) other than -100 is treated as ignored by
 * the kernel (it never reads out of bounds); {@link #countTargets} rejects such labels on the host.
 *
 * <p>Final logit soft-capping (Gemma 2's final_logit_softcapping): with {@code softCap} c &gt; 0 each logit x is
 * read as c * tanh(x / c), rounded as HF's chain on the logits' type does ({@code logits / c}, {@code tanh},
 * {@code * c}, each rounded to the element type; nothing in f32), and the gradient written is that of the raw
 * logit, multiplied by 1 - tanh^2 in f32 and rounded once (autograd rounds bf16 at each step of the chain; the
 * difference is a few bf16 ulps). 0 turns capping off. Raw logits must be finite when capping.
 *
 * <p>Tolerance (see the test): with the exact logsumexp lse, the error of lse and of x - lse is within
 * 2e-6 * (1 + |lse| + |x - lse|), so the loss is within that (x the label's logit) plus its rounding, and each
 * gradient within |scale| * (p * that + p * 2^-22 + 2^-23 at the label), p the exact probability.
 */
public final class CrossEntropy {
    public static final int MAX_GROUP = 256;
    /** The label of a token that takes no part in the loss (PyTorch's default ignore_index). */
    public static final int IGNORED = -100;

    private CrossEntropy() {
    }

    /** One source for f32 and bf16 logits (FloatingPointArray); losses are f32. */
    public static void forwardBackward(KernelContext ctx, FloatingPointArray logits, IntArray labels,
                                       FloatArray losses, int firstRow, int vocab, float scale, float softCap) {
        float[] partial = ctx.allocateFloatLocalArray(MAX_GROUP);
        long rowStart = (long) ctx.groupIdx * vocab;
        int label = labels.get(firstRow + ctx.groupIdx);
        boolean target = label >= 0 && label < vocab;
        // Read before the reductions' barriers, so before any work-item overwrites the row.
        float labelLogit = target ? capped(logits, logits.getFloat(rowStart + label), softCap) : 0f;
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        int statisticsEnd = target ? vocab : 0;
        int step = ctx.localGroupSizeX;
        int c = ctx.localIdx;
        // Four logits read before any is used: 2-byte loads leave too few bytes in flight per warp to reach the
        // memory's bandwidth one at a time. Each work-item still takes its logits in the same order.
        for (; c + 3 * step < statisticsEnd; c += 4 * step) {
            float x0 = capped(logits, logits.getFloat(rowStart + c), softCap);
            float x1 = capped(logits, logits.getFloat(rowStart + c + step), softCap);
            float x2 = capped(logits, logits.getFloat(rowStart + c + 2 * step), softCap);
            float x3 = capped(logits, logits.getFloat(rowStart + c + 3 * step), softCap);
            sum = onlineSum(sum, max, x0);
            max = Math.max(max, x0);
            sum = onlineSum(sum, max, x1);
            max = Math.max(max, x1);
            sum = onlineSum(sum, max, x2);
            max = Math.max(max, x2);
            sum = onlineSum(sum, max, x3);
            max = Math.max(max, x3);
        }
        for (; c < statisticsEnd; c += step) {
            float x = capped(logits, logits.getFloat(rowStart + c), softCap);
            sum = onlineSum(sum, max, x);
            max = Math.max(max, x);
        }
        float lse = logSumExp(ctx, partial, max, sum);
        c = ctx.localIdx;
        for (; target && c + 3 * step < vocab; c += 4 * step) {
            float raw0 = logits.getFloat(rowStart + c);
            float raw1 = logits.getFloat(rowStart + c + step);
            float raw2 = logits.getFloat(rowStart + c + 2 * step);
            float raw3 = logits.getFloat(rowStart + c + 3 * step);
            writeGradient(logits, rowStart, c, raw0, lse, label, scale, softCap);
            writeGradient(logits, rowStart, c + step, raw1, lse, label, scale, softCap);
            writeGradient(logits, rowStart, c + 2 * step, raw2, lse, label, scale, softCap);
            writeGradient(logits, rowStart, c + 3 * step, raw3, lse, label, scale, softCap);
        }
        for (; c < vocab; c += step) {
            if (target) {
                writeGradient(logits, rowStart, c, logits.getFloat(rowStart + c), lse, label, scale, softCap);
            } else {
                logits.setFloat(rowStart + c, 0f); // an ignored row's gradient
            }
        }
        if (ctx.localIdx == 0) {
            losses.set(firstRow + ctx.groupIdx, target ? lse - labelLogit : 0f);
        }
    }

    /** Overwrites logit c of the row with its gradient, given its raw value. */
    private static void writeGradient(FloatingPointArray logits, long rowStart, int c, float raw, float lse, int label,
                                      float scale, float softCap) {
        float g = gradient(capped(logits, raw, softCap), lse, c == label, scale);
        logits.setFloat(rowStart + c, softCap == 0f ? g : g * capDerivative(logits, raw, softCap));
    }

    /** softCap * tanh(x / softCap) through HF's chain rounded to the logits' type; x itself when softCap is 0. */
    private static float capped(FloatingPointArray logits, float x, float softCap) {
        if (softCap == 0f) {
            return x;
        }
        return logits.round(logits.round(TornadoMath.tanh(logits.round(x / softCap))) * softCap);
    }

    /** 1 - tanh(x / softCap)^2 with the rounded tanh the forward used. */
    private static float capDerivative(FloatingPointArray logits, float x, float softCap) {
        float t = logits.round(TornadoMath.tanh(logits.round(x / softCap)));
        return 1f - t * t;
    }

    /**
     * The running sum of exp(logit - max) after one more logit x, before max moves to max(max, x): rescaled
     * by exp(max - x) when x is the new maximum, so each logit costs one exp. A -inf logit adds nothing (and
     * keeps -inf - -inf out); a NaN makes the sum NaN.
     */
    private static float onlineSum(float sum, float max, float x) {
        float e = TornadoMath.exp(-Math.abs(x - max));
        if (x > max) {
            return sum * e + 1f;
        }
        return x != Float.NEGATIVE_INFINITY ? sum + e : sum;
    }

    /**
     * The row's logsumexp from each work-item's online pair: sum_i sum_i * exp(max_i - M) with M the row max,
     * then M + log of it. A work-item that saw no logit (or only -inf) has sum 0 and adds nothing; the guard
     * also keeps -inf - -inf out when a whole row is skipped.
     */
    private static float logSumExp(KernelContext ctx, float[] partial, float max, float sum) {
        float rowMax = BlockReductions.max(ctx, partial, max);
        float rescaled = sum > 0f ? sum * TornadoMath.exp(max - rowMax) : 0f;
        return rowMax + TornadoMath.log(BlockReductions.sum(ctx, partial, rescaled));
    }

    /** (softmax - onehot) * scale for one logit, given the row's logsumexp. */
    private static float gradient(float x, float lse, boolean isLabel, float scale) {
        float probability = TornadoMath.exp(x - lse);
        return (isLabel ? probability - 1f : probability) * scale;
    }

    /**
     * The tokens that take part in the loss: labels in [0, vocab). Throws {@link InvalidLabelsException} for
     * a label that is neither a token id nor -100. Sum the counts of every micro-batch of an accumulation
     * window before launching, and pass 1 / total as the kernels' scale ({@link #meanScale}).
     */
    public static long countTargets(IntArray labels, int vocab) {
        long targets = 0;
        for (long t = 0; t < labels.length(); t++) {
            int label = labels.get(t);
            if (label >= 0 && label < vocab) {
                targets++;
            } else if (label != IGNORED) {
                throw new InvalidLabelsException("label " + label + " of token " + t + " is outside the vocabulary"
                        + " of " + vocab + " tokens and is not " + IGNORED + " (ignored)",
                        "labels must be token ids of the model's tokenizer, or -100 where the loss is masked;"
                                + " check that the data was tokenized for this model");
            }
        }
        return targets;
    }

    /** 1 / targets, the scale of transformers' mean reduction; refuses a window with no target at all. */
    public static float meanScale(long targets) {
        if (targets <= 0) {
            throw new InvalidLabelsException("every label of the batch is " + IGNORED + ", so there is no token to"
                    + " compute a loss on", "check the masking of prompts (train on responses only) and the chat"
                    + " template: some tokens of each example must keep their labels");
        }
        return (float) (1.0 / targets);
    }

    /** The sum of the per-token losses in double (ignored tokens hold 0), for the mean over the targets. */
    public static double sumLosses(FloatArray losses) {
        double sum = 0;
        for (long t = 0; t < losses.length(); t++) {
            sum += losses.get(t);
        }
        return sum;
    }
}
