package dev.loris.train.data;

import dev.loris.model.decoder.Batch;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The training batches, epoch after epoch (up to an epoch limit, or without end when it is 0), each epoch in
 * its own seeded order ({@link DataSplit#epochOrder}). {@link #position()} is where the next batch starts;
 * a stream made at a saved position yields exactly the batches that followed it.
 */
public final class BatchStream implements Iterator<Batch> {
    private final DataSplit split;
    private final Packer packer;
    private final int epochs;
    private int epoch;
    private int index;
    private int[] order;

    BatchStream(DataSplit split, Packer packer, DataPosition start, int epochs) {
        this.split = split;
        this.packer = packer;
        this.epochs = epochs;
        this.epoch = start.epoch();
        this.index = start.index();
        if (split.trainSize() == 0) {
            throw new IllegalArgumentException("no training examples");
        }
        this.order = split.epochOrder(epoch);
        if (index > order.length) {
            throw new IllegalArgumentException("position " + start + " is past epoch " + epoch + "'s "
                    + order.length + " examples");
        }
        normalise();
    }

    /** The position of the next batch: (epoch, index of its first example in that epoch's order). */
    public DataPosition position() {
        return new DataPosition(epoch, index);
    }

    @Override
    public boolean hasNext() {
        return epochs <= 0 || epoch < epochs;
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the last epoch (" + epochs + ") is done");
        }
        int count = packer.take(order, index);
        Batch batch = packer.batch(order, index, count);
        index += count;
        normalise();
        return batch;
    }

    /** At the end of an epoch, moves to the start of the next. */
    private void normalise() {
        if (index >= order.length) {
            epoch++;
            index = 0;
            if (epochs <= 0 || epoch < epochs) {
                order = split.epochOrder(epoch);
            }
        }
    }
}
