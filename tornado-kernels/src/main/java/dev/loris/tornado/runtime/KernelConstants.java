package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks the values a caller fixes kernel parameters to and boxes each as the compiler folds it (an int
 * parameter as Integer, a long as Long...), so that equal constants make equal cache keys and a wrong one is
 * an error naming the parameter instead of a broken kernel. A {@code FloatingPointArray} parameter's
 * "constant" is the array class the kernel is specialised to.
 */
final class KernelConstants {
    private KernelConstants() {
    }

    static Map<Integer, Object> normalise(Method kernel, Map<Integer, Object> constants) {
        if (constants.isEmpty()) {
            return Map.of();
        }
        Class<?>[] types = kernel.getParameterTypes();
        Map<Integer, Object> normalised = new HashMap<>();
        for (Map.Entry<Integer, Object> entry : constants.entrySet()) {
            int p = entry.getKey();
            Object value = entry.getValue();
            if (p < 0 || p >= types.length) {
                throw wrong(kernel, p, value, "the kernel has " + types.length + " parameters");
            }
            Object boxed = boxed(types[p], value);
            if (boxed == null) {
                throw wrong(kernel, p, value, "parameter " + p + " is a " + types[p].getSimpleName()
                        + (types[p] == FloatingPointArray.class ? ", fixed to FloatArray.class, BFloat16Array.class "
                        + "or HalfFloatArray.class" : "; only scalar parameters can be fixed, to a value of their own type"));
            }
            normalised.put(p, boxed);
        }
        return Map.copyOf(normalised);
    }

    /**
     * {@code value} boxed as the compiler expects for a parameter of {@code type}, or null if it cannot be. A
     * FloatingPointArray parameter is fixed to the array class it is compiled for.
     */
    private static Object boxed(Class<?> type, Object value) {
        if (type == FloatingPointArray.class) {
            return value == FloatArray.class || value == BFloat16Array.class || value == HalfFloatArray.class
                    ? value : null;
        }
        if (type == int.class && value instanceof Integer) {
            return value;
        }
        if (type == long.class && (value instanceof Long || value instanceof Integer)) {
            return ((Number) value).longValue();
        }
        if (type == float.class && value instanceof Float) {
            return value;
        }
        if (type == double.class && (value instanceof Double || value instanceof Float)) {
            return ((Number) value).doubleValue();
        }
        if (type == boolean.class && value instanceof Boolean b) {
            return b;
        }
        if (type == short.class && value instanceof Short || type == byte.class && value instanceof Byte
                || type == char.class && value instanceof Character) {
            return value;
        }
        return null;
    }

    private static LorisException wrong(Method kernel, int p, Object value, String why) {
        return new LorisException("cannot fix parameter " + p + " of kernel " + KernelSignature.displayName(kernel)
                + " to " + value + (value == null ? "" : " (" + value.getClass().getSimpleName() + ")") + ": " + why,
                "constants map Java parameter indexes of scalar parameters to values of the parameter's type");
    }
}
