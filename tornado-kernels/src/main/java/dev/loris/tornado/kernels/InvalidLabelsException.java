package dev.loris.tornado.kernels;

import dev.loris.LorisException;

/**
 * The labels of a batch cannot give a cross-entropy loss: a label that is neither a token id of the
 * vocabulary nor -100 (the ignored label), or a batch where every label is -100, so there is nothing to
 * learn from and the mean loss would be 0 / 0.
 */
public final class InvalidLabelsException extends LorisException {
    public InvalidLabelsException(String message, String hint) {
        super(message, hint);
    }
}
