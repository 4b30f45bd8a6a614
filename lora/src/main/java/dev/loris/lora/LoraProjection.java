package dev.loris.lora;

import dev.loris.model.decoder.Compute;
import dev.loris.model.decoder.GradientSink;
import dev.loris.model.decoder.Projection;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.DeviceArray;

/**
 * A frozen projection with a LoRA adapter: y = base(x) + s · (dropout(x) · Aᵀ) · Bᵀ, A (r, in) and B (out, r)
 * living in the adapter's flat buffers, s the {@link LoraConfig#scaling}. Three small GEMMs beside the base's:
 *
 * <pre>
 *   forward   xa (T, r) = xd · Aᵀ                      xd = dropout(x) in training, else x
 *             y (T, out) = base(x) + s · xa · Bᵀ        (accumulated into y: beta = 1)
 *   backward  dx = base's dx + s · (dy · B) · A         (dropout's mask applied to the adapter's part)
 *             dA (r, in) += s · (dy · B)ᵀ · xd
 *             dB (out, r) += s · dyᵀ · xa
 * </pre>
 *
 * The rank-r products come first, so nothing of size (T, in) or (T, out) is written besides y and dx; the
 * backward keeps only xa (T, r) from the forward (dropout's mask is a hash of the seed, recomputed). The base
 * gets no gradient unless the sink asks for it; its input gradient is its own (dense or quantised) product.
 * In bf16 the adapter multiplies with a bf16 copy of its f32 master weights, as PEFT's autocast does;
 * gradients are f32.
 */
final class LoraProjection implements Projection {
    private final Projection base;
    private final LoraAdapter adapter;
    private final int rank;
    private final long offsetA;   // A (r, in) in the adapter's buffers
    private final long offsetB;   // B (out, r)
    private final float scaling;
    private final float dropout;

    LoraProjection(Projection base, LoraAdapter adapter, long offsetA, long offsetB) {
        this.base = base;
        this.adapter = adapter;
        this.rank = adapter.config().rank();
        this.offsetA = offsetA;
        this.offsetB = offsetB;
        this.scaling = (float) adapter.config().scaling();
        this.dropout = (float) adapter.config().dropout();
    }

    Projection base() {
        return base;
    }

    long offsetA() {
        return offsetA;
    }

    long offsetB() {
        return offsetB;
    }

    @Override
    public String name() {
        return base.name();
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }

    /** xa (T, r) of the forward, the base's own saved state, and the dropout seed. */
    private record LoraSaved(DeviceArray xa, Saved base, long seed) implements Saved {
        @Override
        public void close() {
            xa.close();
            if (base != null) {
                base.close();
            }
        }
    }

    @Override
    public Saved newSaved(Compute c, int tokens, long seed) {
        DeviceArray xa = c.accelerator().allocate(adapter.computeWeights().arrayType(), (long) tokens * rank);
        return new LoraSaved(xa, base.newSaved(c, tokens, seed), seed);
    }

    @Override
    public void forward(Compute c, DeviceArray x, int tokens, DeviceArray y, Saved saved) {
        LoraSaved s = (LoraSaved) saved;
        LoraScratch scratch = adapter.scratch(tokens);
        int in = inFeatures();
        DeviceArray weights = adapter.computeWeights();
        GemmType t = Compute.gemmType(x);
        DeviceArray xd = x;
        if (s != null && dropout > 0) {
            xd = scratch.dropped;
            c.kernels().dropout(x, xd, s.seed, dropout, (long) tokens * in);
        }
        DeviceArray xa = s != null ? s.xa : scratch.xa;
        c.gemm().multiply(GemmShape.of(tokens, rank, in, false, true, t, t, t), 1f, xd, 0, weights, offsetA, 0f,
                xa, 0, null, c.stream());
        base.forward(c, x, tokens, y, s == null ? null : s.base);
        c.gemm().multiply(GemmShape.of(tokens, outFeatures(), rank, false, true, t, t, t), scaling, xa, 0, weights,
                offsetB, 1f, y, 0, null, c.stream());
    }

    @Override
    public void backward(Compute c, DeviceArray dy, DeviceArray x, int tokens, DeviceArray dx, boolean accumulateDx,
                         Saved saved, GradientSink sink) {
        LoraSaved s = (LoraSaved) saved;
        LoraScratch scratch = adapter.scratch(tokens);
        int in = inFeatures();
        int out = outFeatures();
        DeviceArray weights = adapter.computeWeights();
        GemmType t = Compute.gemmType(x);
        base.backward(c, dy, x, tokens, dx, accumulateDx, s.base, sink);
        DeviceArray dyB = scratch.dyB; // (T, r) = dy (T, out) · B (out, r)
        c.gemm().multiply(GemmShape.of(tokens, rank, out, false, false, t, t, t), 1f, dy, 0, weights, offsetB, 0f,
                dyB, 0, null, c.stream());
        if (dx != null) {
            inputGradient(c, dyB, tokens, dx, s.seed, scratch);
        }
        GradientSink.Slot dA = sink.slot(name() + ".lora_A.weight", (long) rank * in);
        if (dA != null) {
            DeviceArray xd = x;
            if (dropout > 0) {
                xd = scratch.dropped;
                c.kernels().dropout(x, xd, s.seed, dropout, (long) tokens * in);
            }
            c.gemm().multiply(GemmShape.of(rank, in, tokens, true, false, t, t, GemmType.F32), scaling, dyB, 0, xd, 0,
                    1f, dA.array(), dA.offset(), null, c.stream());
        }
        GradientSink.Slot dB = sink.slot(name() + ".lora_B.weight", (long) out * rank);
        if (dB != null) {
            c.gemm().multiply(GemmShape.of(out, rank, tokens, true, false, t, t, GemmType.F32), scaling, dy, 0, s.xa, 0,
                    1f, dB.array(), dB.offset(), null, c.stream());
        }
    }

    /** dx += s · dyB · A, through dropout's mask when there is dropout (dx already holds the base's part). */
    private void inputGradient(Compute c, DeviceArray dyB, int tokens, DeviceArray dx, long seed, LoraScratch scratch) {
        int in = inFeatures();
        GemmType t = Compute.gemmType(dx);
        GemmShape shape = GemmShape.of(tokens, in, rank, false, false, t, t, t);
        if (dropout == 0) {
            c.gemm().multiply(shape, scaling, dyB, 0, adapter.computeWeights(), offsetA, 1f, dx, 0, null, c.stream());
            return;
        }
        DeviceArray adapterPart = scratch.dropped; // (T, in)
        c.gemm().multiply(shape, scaling, dyB, 0, adapter.computeWeights(), offsetA, 0f, adapterPart, 0, null,
                c.stream());
        c.kernels().dropout(adapterPart, adapterPart, seed, dropout, (long) tokens * in);
        c.kernels().add(dx, adapterPart, dx, (long) tokens * in);
    }

    @Override
    public long bytes() {
        return base.bytes(); // the adapter's weights are counted once, by the adapter
    }

    @Override
    public void close() {
        base.close();
    }
}
