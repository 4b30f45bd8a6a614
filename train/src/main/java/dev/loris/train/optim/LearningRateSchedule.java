package dev.loris.train.optim;

import dev.loris.LorisException;

import java.util.Locale;

/**
 * The learning rate at each step, as transformers' get_{constant,linear,cosine}_schedule_with_warmup: a linear
 * warm-up from 0 over {@code warmupSteps}, then constant, linearly down to 0 at {@code totalSteps}, or half a
 * cosine down to 0. Steps count from 0 (the first update uses step 0's rate).
 */
public record LearningRateSchedule(Shape shape, double peak, int warmupSteps, int totalSteps) {
    public enum Shape { CONSTANT, LINEAR, COSINE }

    public LearningRateSchedule {
        if (!(peak > 0) || !Double.isFinite(peak)) {
            throw new LorisException("learning rate " + peak + " is not a positive number", "give --lr, e.g. 2e-4");
        }
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new LorisException("warm-up " + warmupSteps + " / total " + totalSteps + " steps are out of range",
                    "give a warm-up of 0 or more steps and at least one step");
        }
    }

    /** The shape named on the command line (constant, linear, cosine). */
    public static Shape shape(String name) {
        try {
            return Shape.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LorisException("learning-rate schedule '" + name + "' is not known", "use constant, linear or"
                    + " cosine");
        }
    }

    public double at(int step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (shape) {
            case CONSTANT -> peak;
            case LINEAR -> peak * Math.max(0, 1 - progress);
            case COSINE -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
        };
    }
}
