package dev.loris.tornado.kernels;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.IntArray;

/**
 * Rotary position embedding of Llama-family decoders in Hugging Face's convention, forward and backward,
 * applied in place to Q (tokens, heads * headDim) and K (tokens, kvHeads * headDim), both row-major.
 *
 * <p>HF pairs element i of a head with element i + headDim/2 (rotate_half(x) = cat(-x[h:], x[:h]), h =
 * headDim/2; not Meta's interleaved pairs): with c, s the cos and sin of the pair's angle,
 * {@code y[i] = x[i]*c + (-x[i+h])*s} and {@code y[i+h] = x[i+h]*c + x[i]*s}. The angle of pair i at position p
 * is p * inv_freq[i]; {@code positions} holds each token's position id, so packed sequences restart at 0.
 *
 * <p>The cos/sin table, (maxPosition, headDim/2) row-major f32, is built by the host with {@link #table},
 * exactly as transformers' LlamaRotaryEmbedding builds it (its emb = cat(freqs, freqs) repeats each column
 * twice, so half the columns suffice). The kernels read it as given; a position outside the table reads out
 * of bounds, so the host checks positions with {@link #checkPositions}.
 *
 * <p>Backward: the rotation is linear with Jacobian [[c, -s], [s, c]] per pair, so the input gradient is its
 * transpose, the rotation by -angle: {@code dx[i] = dy[i]*c + dy[i+h]*s}, {@code dx[i+h] = dy[i+h]*c - dy[i]*s};
 * the backward kernels overwrite dy with dx. They run the forward code with sin negated, which rounds exactly
 * as autograd does: negation commutes with round-to-nearest-even.
 *
 * <p>Rounding, exact on every backend (our compiler never contracts a*b + c into fma): f32 kernels compute
 * each product and the sum in f32, as torch's separate elementwise ops do. bf16 kernels follow HF's bf16 chain:
 * cos and sin are cast to bf16 ({@code .to(x.dtype)}), each product rounds to bf16 (the f32 product of two
 * bf16 values is exact, so one rounding), and their f32 sum rounds to bf16 again. Autograd's backward chain
 * is the same: bf16(bf16(dy*c) + bf16(±dy'*s)).
 *
 * <p>Partial rotary (Phi-3's partial_rotary_factor, transformers' apply_rotary_pos_emb with cos narrower than the
 * head): only the first {@code rotaryDim} values of each head rotate, element i pairing with i + rotaryDim/2, and
 * the rest pass through untouched (the kernels skip them: they work in place). The table is then (maxPosition,
 * rotaryDim/2); rotaryDim = headDim is the full rotation.
 *
 * <p>Grid: grid-stride over (token, pair i), each work-item rotating pair i of all the token's Q and K heads;
 * global = {G}, local = {L}, any G multiple of L (256 is a good choice). Consecutive work-items take
 * consecutive i of one head, so loads and stores coalesce. Limits: even rotaryDim &lt;= headDim.
 */
public final class Rope {
    private Rope() {
    }

    /** One source for f32 and bf16 (FloatingPointArray), q and k of one element type. */
    public static void forward(KernelContext ctx, FloatingPointArray q, FloatingPointArray k, IntArray positions,
                               FloatArray cos, FloatArray sin, int tokens, int heads, int kvHeads, int headDim,
                               int rotaryDim) {
        rotate(ctx, q, k, positions, cos, sin, tokens, heads, kvHeads, headDim, rotaryDim, 1f);
    }

    /** In place: dq and dk hold the gradients of the rotated Q and K on entry, of Q and K on exit. */
    public static void backward(KernelContext ctx, FloatingPointArray dq, FloatingPointArray dk, IntArray positions,
                                FloatArray cos, FloatArray sin, int tokens, int heads, int kvHeads, int headDim,
                                int rotaryDim) {
        rotate(ctx, dq, dk, positions, cos, sin, tokens, heads, kvHeads, headDim, rotaryDim, -1f);
    }

    /**
     * Work-item p of the grid takes (token, i), i fastest, and rotates pair i of every Q head then every K head
     * of that token: the index arithmetic (a division by a run-time value costs tens of instructions) and the
     * table reads happen once per (token, i), not once per head, which made this kernel instruction-bound.
     * sinSign is exact (+-1), so s * sinSign is the table's sin or its negation; both are rounded to the
     * element type (HF's {@code .to(x.dtype)}).
     */
    private static void rotate(KernelContext ctx, FloatingPointArray q, FloatingPointArray k, IntArray positions,
                               FloatArray cos, FloatArray sin, int tokens, int heads, int kvHeads, int headDim,
                               int rotaryDim, float sinSign) {
        int half = rotaryDim / 2;
        long items = (long) tokens * half;
        for (long p = ctx.globalIdx; p < items; p += ctx.globalGroupSizeX) {
            int token = (int) (p / half);
            int i = (int) (p - (long) token * half);
            long angle = (long) positions.get(token) * half + i;
            float c = q.round(cos.get(angle));
            float s = q.round(sin.get(angle) * sinSign);
            long qAt = (long) token * heads * headDim + i;
            for (int head = 0; head < heads; head++) {
                rotatePair(q, qAt + (long) head * headDim, half, c, s);
            }
            long kAt = (long) token * kvHeads * headDim + i;
            for (int head = 0; head < kvHeads; head++) {
                rotatePair(k, kAt + (long) head * headDim, half, c, s);
            }
        }
    }

    /** HF's chain on the pair (at, at + half): each product rounded to the element type, then the sum. */
    private static void rotatePair(FloatingPointArray x, long at, int half, float c, float s) {
        float x1 = x.getFloat(at);
        float x2 = x.getFloat(at + half);
        x.setFloat(at, x.round(x1 * c) + x.round(-x2 * s));
        x.setFloat(at + half, x.round(x2 * c) + x.round(x1 * s));
    }

    /** The cos and sin of every (position, pair) angle, each (positions, half) row-major f32. */
    public record Table(int positions, int half, FloatArray cos, FloatArray sin) {
    }

    /**
     * The table for positions 0 .. positions-1, as transformers builds it for a model in any dtype (autocast
     * off, f32): freqs = (inv_freq[None, :] @ position[:, None]).T is a matmul with an inner dimension of 1, so
     * each angle is the single f32 product inv_freq[i] * (float) p (with TF32 matmuls off, torch's default); then
     * cos and sin in f32. attention_scaling (1 for the default and llama3 rope types) is not applied.
     *
     * <p>{@code (float) Math.cos((double) angle)} is the correctly rounded f32 cosine of the f32 angle or, in
     * rare double-rounding cases, its other neighbour: Math.cos is within 1 ulp in double, 2^-29 of an f32 ulp.
     * Either way it is one of the two floats that bracket the exact value. torch's f32 cos on the CPU (SLEEF's
     * u10 functions, max error 1.0 ulp) is also one of those two, so the two agree within 1 ulp. On CUDA torch
     * calls cosf/sinf, documented within 2 ulp of the correctly rounded result, so there they may differ by 2
     * ulp. The bf16 kernels round these values to bf16, which a 1-2 ulp f32 difference almost never changes.
     *
     * <p>inv_freq is the host's (rope_theta, scaling: formats.md section 7); its length is rotaryDim / 2.
     */
    public static Table table(float[] invFreq, int positions) {
        return table(invFreq, positions, 1f);
    }

    /**
     * As {@link #table(float[], int)}, with cos and sin each multiplied by {@code attentionScaling} in f32 after
     * they are computed, as transformers' rotary embeddings apply LongRoPE's attention factor
     * ({@code emb.cos() * self.attention_scaling}); 1 leaves them as they are.
     */
    public static Table table(float[] invFreq, int positions, float attentionScaling) {
        int half = invFreq.length;
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = invFreq[i] * (float) p;
                cos[p * half + i] = (float) Math.cos((double) angle) * attentionScaling;
                sin[p * half + i] = (float) Math.sin((double) angle) * attentionScaling;
            }
        }
        return new Table(positions, half, FloatArray.fromArray(cos), FloatArray.fromArray(sin));
    }

    /** Fails with the first position id outside the table [0, maxPosition), naming it and its token. */
    public static void checkPositions(IntArray positions, int maxPosition) {
        long bad = HostIndexCheck.firstOutside(positions, maxPosition);
        if (bad >= 0) {
            throw new LorisException("position id " + positions.get(bad) + " of token " + bad
                    + " is outside the RoPE table of " + maxPosition + " positions",
                    "position ids count from 0 within each packed sequence; raise max_position_embeddings or"
                            + " shorten the sequences");
        }
    }
}
