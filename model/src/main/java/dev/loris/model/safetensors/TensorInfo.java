package dev.loris.model.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as a safetensors header describes it: its name, element type, row-major shape, and where its
 * bytes lie in the file ({@code fileOffset} counts from the first byte of the file, not of the data area, so
 * it can be handed to a positional read or a mapping as is).
 *
 * <p>The shape array is copied in and out, so a TensorInfo cannot be changed after it is made.
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long fileOffset, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** The shape, outermost dimension first (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** The number of elements: the product of the shape (1 for a scalar, 0 if any dimension is 0). */
    public long elementCount() {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        return count;
    }

    /** The shape as the format writes it, e.g. {@code [4096, 128]}. */
    public String shapeText() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorInfo that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && fileOffset == that.fileOffset
                && byteLength == that.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), fileOffset, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + shapeText() + " at " + fileOffset + " (" + byteLength + " bytes)";
    }
}
