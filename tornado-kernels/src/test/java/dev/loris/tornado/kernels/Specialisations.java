package dev.loris.tornado.kernels;

import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.FloatingPointArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The specialisations a test compiles a kernel for: no constants for a kernel without FloatingPointArray
 * parameters, else one map per element type (f32, bf16, f16) fixing all of them to that array class.
 */
final class Specialisations {
    private Specialisations() {
    }

    static List<Map<Integer, Object>> of(Method kernel) {
        Class<?>[] types = kernel.getParameterTypes();
        List<Integer> generic = new ArrayList<>();
        for (int p = 0; p < types.length; p++) {
            if (types[p] == FloatingPointArray.class) {
                generic.add(p);
            }
        }
        if (generic.isEmpty()) {
            return List.of(Map.of());
        }
        List<Map<Integer, Object>> all = new ArrayList<>();
        for (Class<?> type : List.of(FloatArray.class, BFloat16Array.class, HalfFloatArray.class)) {
            Map<Integer, Object> constants = new HashMap<>();
            generic.forEach(p -> constants.put(p, type));
            all.add(Map.copyOf(constants));
        }
        return all;
    }
}
