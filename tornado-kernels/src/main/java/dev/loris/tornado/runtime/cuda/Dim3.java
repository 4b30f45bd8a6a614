package dev.loris.tornado.runtime.cuda;

/**
 * A grid or block shape for a launch, as CUDA's dim3: every extent at least 1. The device's own limits
 * (1024 threads per block, 65535 blocks in y and z) are left to the driver and the kernel's attributes.
 */
public record Dim3(int x, int y, int z) {
    public Dim3 {
        if (x < 1 || y < 1 || z < 1) {
            throw new IllegalArgumentException("launch dimensions must be at least 1, got " + x + "x" + y + "x" + z);
        }
    }

    public static Dim3 of(int x) {
        return new Dim3(x, 1, 1);
    }

    public static Dim3 of(int x, int y) {
        return new Dim3(x, y, 1);
    }

    /** The number of threads (for a block) or blocks (for a grid) this shape holds. */
    public long count() {
        return (long) x * y * z;
    }

    @Override
    public String toString() {
        return x + "x" + y + "x" + z;
    }
}
