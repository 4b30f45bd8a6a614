package dev.loris.train.data;

/**
 * Where a {@link BatchStream} is: the epoch, and the index, in that epoch's training order, of the first
 * example the next batch takes. Saved with a checkpoint, it resumes the stream exactly.
 */
public record DataPosition(int epoch, int index) {
    public static final DataPosition START = new DataPosition(0, 0);

    public DataPosition {
        if (epoch < 0 || index < 0) {
            throw new IllegalArgumentException("negative data position " + epoch + "/" + index);
        }
    }
}
