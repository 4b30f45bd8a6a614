package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

import java.util.Arrays;

/**
 * The token embedding of a decoder: forward gathers rows of the weight (vocab, hidden) for the token ids into
 * (tokens, hidden); backward adds, for every id present, the sum of the output-gradient rows of its tokens
 * into the f32 weight gradient dW (vocab, hidden). All row-major.
 *
 * <p>Forward copies bits (bf16 or f32), so it is exact. Backward is deterministic without float atomics: the
 * host sorts the token positions by id once per batch ({@link #segments}, O(tokens log tokens) on the host),
 * so the tokens of one id form a segment of that order. Each (segment, column) belongs to one work-item,
 * which sums the segment's rows in token order in f32, starting from 0, then adds the sum to dW once. Total
 * work O(tokens * hidden); rows of ids absent from the batch are not touched. torch's CUDA backward sums in
 * another order, so results agree with it within f32 rounding of the sums, not bit for bit.
 *
 * <p>Ids outside [0, vocab) would read or write out of bounds and a kernel cannot throw, so the host checks
 * them first with {@link #checkIds} ({@link #segments} does).
 *
 * <p>Grid: 2D, global = {X, Y}, local = {L, 1}, X a multiple of L: x strides over the hidden columns, y over
 * the tokens (forward) or segments (backward), so any X and Y work (e.g. X = min(hidden rounded up to L,
 * 1024), Y = min(rows, 65535), the CUDA limit of grid.y). Consecutive work-items take consecutive columns of
 * a row, so accesses coalesce. A segment is summed by one work-item per column: an id that fills most of the
 * batch serialises that many row reads, fine for a batch of a few thousand tokens.
 */
public final class Embedding {
    private Embedding() {
    }

    /**
     * One source for f32 and bf16 (FloatingPointArray): a row copy through float, exact for every value (a
     * signalling NaN comes out quiet).
     */
    public static void forward(KernelContext ctx, IntArray ids, FloatingPointArray weight, FloatingPointArray out,
                               int tokens, int hidden) {
        for (int t = ctx.globalIdy; t < tokens; t += ctx.globalGroupSizeY) {
            long from = (long) ids.get(t) * hidden;
            long to = (long) t * hidden;
            for (int c = ctx.globalIdx; c < hidden; c += ctx.globalGroupSizeX) {
                out.setFloat(to + c, weight.getFloat(from + c));
            }
        }
    }

    /**
     * dWeight[id] += sum of dOut rows of the id's tokens, for the {@code segments} segments of
     * {@link Segments}: {@code order} and {@code starts} are its arrays, {@code ids} the batch's token ids. The
     * gradient (vocab, hidden) starts at {@code offset} of dWeight (a flat buffer of many parameters, or 0).
     * dOut is f32 or bf16 (FloatingPointArray), dWeight f32.
     */
    public static void backward(KernelContext ctx, FloatingPointArray dOut, IntArray ids, IntArray order,
                                IntArray starts, FloatArray dWeight, long offset, int segments, int hidden) {
        for (int s = ctx.globalIdy; s < segments; s += ctx.globalGroupSizeY) {
            int start = starts.get(s);
            int end = starts.get(s + 1);
            long row = offset + (long) ids.get(order.get(start)) * hidden;
            for (int c = ctx.globalIdx; c < hidden; c += ctx.globalGroupSizeX) {
                float sum = 0f;
                for (int k = start; k < end; k++) {
                    sum += dOut.getFloat((long) order.get(k) * hidden + c);
                }
                dWeight.set(row + c, dWeight.get(row + c) + sum);
            }
        }
    }

    /**
     * The batch's token positions grouped by id: {@code order} (tokens) lists the positions sorted by id, ties
     * in token order; segment s is order[starts[s] .. starts[s + 1]), and {@code starts} has count + 1 entries.
     */
    public record Segments(IntArray order, IntArray starts, int count) {
    }

    /** Checks the ids (see {@link #checkIds}) and groups them for the backward kernels. */
    public static Segments segments(IntArray ids, int vocab) {
        checkIds(ids, vocab);
        int tokens = ids.getSize();
        long[] keys = new long[tokens]; // id in the high half, position in the low: both non-negative ints
        for (int t = 0; t < tokens; t++) {
            keys[t] = (long) ids.get(t) << 32 | t;
        }
        Arrays.sort(keys);
        int[] order = new int[tokens];
        int[] starts = new int[tokens + 1];
        int count = 0;
        for (int k = 0; k < tokens; k++) {
            order[k] = (int) keys[k];
            if (k == 0 || keys[k] >>> 32 != keys[k - 1] >>> 32) {
                starts[count++] = k;
            }
        }
        starts[count] = tokens;
        return new Segments(IntArray.fromArray(order), IntArray.fromArray(Arrays.copyOf(starts, count + 1)), count);
    }

    /** Fails with the first id outside [0, vocab), naming it and its position in the batch. */
    public static void checkIds(IntArray ids, int vocab) {
        long bad = HostIndexCheck.firstOutside(ids, vocab);
        if (bad >= 0) {
            throw new LorisException("token id " + ids.get(bad) + " at position " + bad
                    + " is outside the vocabulary of " + vocab + " tokens (ids 0 to " + (vocab - 1) + ")",
                    "the tokenizer does not match the model: use the tokenizer saved with the checkpoint, and"
                            + " resize the embedding after adding tokens (vocab_size in config.json)");
        }
    }
}
