package dev.loris.train.optim;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.KernelLaunch;

import java.util.Map;

/**
 * An optimizer over one flat f32 parameter buffer and its gradient buffer, with its state on the device
 * (AdamW: m and v; SGD: the momentum buffer), updated by {@link OptimizerKernels} in one launch per step.
 * {@link #gradientNorm()} gives the global L2 norm for clipping; {@link #step} applies the clipping factor.
 */
public final class Optimizer implements AutoCloseable {
    /** Which update rule, with its hyper-parameters (PyTorch's defaults: AdamW betas 0.9, 0.999, eps 1e-8). */
    public sealed interface Kind permits AdamW, Sgd {
    }

    public record AdamW(double beta1, double beta2, double eps, double weightDecay) implements Kind {
        public AdamW {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0 && weightDecay >= 0)) {
                throw new LorisException("AdamW settings beta1 " + beta1 + ", beta2 " + beta2 + ", eps " + eps
                        + ", weight decay " + weightDecay + " are out of range", "use betas in [0, 1), eps > 0 and a"
                        + " weight decay of 0 or more (defaults 0.9, 0.999, 1e-8, 0.01)");
            }
        }

        public static AdamW defaults() {
            return new AdamW(0.9, 0.999, 1e-8, 0.01);
        }
    }

    public record Sgd(double momentum, double weightDecay) implements Kind {
    }

    private static final long GRID = 1 << 20;

    private final Accelerator acc;
    private final DeviceArray params;     // (n) f32
    private final DeviceArray grads;      // (n) f32
    private final Kind kind;
    private final DeviceArray first;      // (n) f32: AdamW's m, SGD's momentum buffer (or null)
    private final DeviceArray second;     // (n) f32: AdamW's v, else null
    private final DeviceArray partials;   // (groups) f32 sums of squares
    private final KernelLaunch update;
    private final KernelLaunch squares;
    private long steps;

    public Optimizer(Accelerator acc, DeviceArray params, DeviceArray grads, Kind kind) {
        if (params.length() != grads.length() || params.arrayType() != FloatArray.class
                || grads.arrayType() != FloatArray.class) {
            throw new IllegalArgumentException("parameters " + params + " and gradients " + grads + " must be f32 of"
                    + " one length");
        }
        this.acc = acc;
        this.params = params;
        this.grads = grads;
        this.kind = kind;
        long n = params.length();
        boolean momentum = kind instanceof AdamW || (kind instanceof Sgd s && s.momentum() > 0);
        this.first = momentum ? zeroed(acc, n) : null;
        this.second = kind instanceof AdamW ? zeroed(acc, n) : null;
        this.partials = acc.allocate(FloatArray.class, groups(n));
        String method = kind instanceof AdamW ? "adamW" : "sgd";
        this.update = acc.compile(OptimizerKernels.class, method, Map.of()).launcher();
        this.squares = acc.compile(OptimizerKernels.class, "sumOfSquares", Map.of()).launcher();
    }

    /** The global L2 norm of the gradients (synchronises: the host adds the partial sums in double). */
    public double gradientNorm() {
        long n = grads.length();
        int groups = groups(n);
        squares.set(1, grads).set(2, partials).set(3, n)
                .launch((long) groups * OptimizerKernels.GROUP, OptimizerKernels.GROUP, acc.defaultStream());
        FloatArray host = new FloatArray(groups);
        partials.copyTo(host);
        double sum = 0;
        for (int g = 0; g < groups; g++) {
            sum += host.get(g);
        }
        return Math.sqrt(sum);
    }

    /** One update at learning rate {@code lr}, the gradients multiplied by {@code gradScale} (clipping) first. */
    public void step(double lr, double gradScale) {
        steps++;
        long n = params.length();
        long global = Math.min(GRID, (n + OptimizerKernels.GROUP - 1) / OptimizerKernels.GROUP * OptimizerKernels.GROUP);
        switch (kind) {
            case AdamW a -> update.set(1, params).set(2, grads).set(3, first).set(4, second).set(5, (float) lr)
                    .set(6, (float) a.beta1()).set(7, (float) a.beta2()).set(8, (float) a.eps())
                    .set(9, (float) a.weightDecay()).set(10, (float) gradScale)
                    .set(11, (float) (1 - Math.pow(a.beta1(), steps)))
                    .set(12, (float) Math.sqrt(1 - Math.pow(a.beta2(), steps))).set(13, n);
            case Sgd s -> update.set(1, params).set(2, grads).set(3, first != null ? first : grads)
                    .set(4, (float) lr).set(5, (float) s.momentum()).set(6, (float) s.weightDecay())
                    .set(7, (float) gradScale).set(8, steps == 1 ? 1 : 0).set(9, n);
        }
        update.launch(Math.max(global, OptimizerKernels.GROUP), OptimizerKernels.GROUP, acc.defaultStream());
    }

    /** Steps taken (AdamW's t). */
    public long steps() {
        return steps;
    }

    /** The optimizer's state buffers (for checkpoints): AdamW's m and v, SGD's momentum; absent ones null. */
    public DeviceArray[] state() {
        return new DeviceArray[] {first, second};
    }

    /** Restores the step count after loading the state from a checkpoint. */
    public void restoreSteps(long count) {
        this.steps = count;
    }

    private static int groups(long n) {
        return (int) Math.max(1, Math.min(1024, (n + OptimizerKernels.GROUP - 1) / OptimizerKernels.GROUP));
    }

    private static DeviceArray zeroed(Accelerator acc, long n) {
        DeviceArray array = acc.allocate(FloatArray.class, n);
        array.fillBytes((byte) 0);
        return array;
    }

    @Override
    public void close() {
        for (DeviceArray a : new DeviceArray[] {first, second, partials}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
