package dev.loris.train;

import dev.loris.model.decoder.Batch;
import dev.loris.model.decoder.Decoder;
import dev.loris.model.decoder.ForwardPass;

/** Mean loss of held-out batches in evaluation mode (no dropout), weighted by their labelled tokens. */
public final class Evaluation {
    private Evaluation() {
    }

    /** The mean token loss over {@code batches}, or NaN when there is none. */
    public static double loss(Decoder decoder, Iterable<Batch> batches) {
        double sum = 0;
        long labelled = 0;
        for (Batch batch : batches) {
            int n = batch.labelledTokens();
            if (n == 0) {
                continue;
            }
            try (ForwardPass pass = decoder.evaluate(batch)) {
                sum += pass.loss() * n;
            }
            labelled += n;
        }
        return labelled == 0 ? Double.NaN : sum / labelled;
    }
}
