package dev.loris.tornado.compiler.ir;

import java.lang.reflect.Array;

/**
 * The contents of a {@code static final} primitive array as a kernel sees them: copied when the kernel is
 * compiled, so later writes to the Java array never reach the device (the JVM backend runs the Java code and
 * reads the live array instead). Emitters write it into the program as an initialised read-only array.
 *
 * @param field   "Class.FIELD", for error messages and comments in the emitted code
 * @param element the element type in memory (boolean arrays are bytes 0 and 1, as the JVM stores them)
 * @param values  the snapshot, a primitive array of the field's type; never modified
 */
public record ConstantTable(String field, MemType element, Object values) {
    /** A kernel's tables together: the OpenCL minimum of constant memory (CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE). */
    public static final int MAX_BYTES = 64 * 1024;

    public int length() {
        return Array.getLength(values);
    }

    public long bytes() {
        return (long) length() * element.bytes();
    }

    /** Element i's bits, zero-extended to a long: what the emitters write as initialisers. */
    public long bits(int i) {
        return switch (values) {
            case float[] a -> Integer.toUnsignedLong(Float.floatToRawIntBits(a[i]));
            case double[] a -> Double.doubleToRawLongBits(a[i]);
            case int[] a -> Integer.toUnsignedLong(a[i]);
            case long[] a -> a[i];
            case short[] a -> Short.toUnsignedLong(a[i]);
            case char[] a -> a[i];
            case byte[] a -> Byte.toUnsignedLong(a[i]);
            case boolean[] a -> a[i] ? 1 : 0;
            default -> throw new IllegalStateException("not a primitive array: " + values);
        };
    }

    /** Element i as a loaded value, boxed as {@code Value.constant} holds constants of its type. */
    public Object element(int i) {
        return switch (values) {
            case float[] a -> a[i];
            case double[] a -> a[i];
            case int[] a -> a[i];
            case long[] a -> a[i];
            case short[] a -> (int) a[i];
            case char[] a -> (int) a[i];
            case byte[] a -> (int) a[i];
            case boolean[] a -> a[i] ? 1 : 0;
            default -> throw new IllegalStateException("not a primitive array: " + values);
        };
    }

    /**
     * The elements' bits as a brace-enclosed list of hexadecimal literals (each followed by {@code suffix}),
     * several to a line, the form both PTX and C take as an array initialiser.
     */
    public String hexInitialiser(String suffix) {
        int bytes = element.bytes();
        int perLine = Math.min(16, 32 / bytes);
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < length(); i++) {
            s.append(i == 0 ? "" : ",").append(i % perLine == 0 ? "\n    " : " ");
            s.append(String.format("0x%0" + (2 * bytes) + "X", bits(i))).append(suffix);
        }
        return s.append("\n}").toString();
    }

    @Override
    public String toString() {
        return field + "[" + length() + "]";
    }
}
