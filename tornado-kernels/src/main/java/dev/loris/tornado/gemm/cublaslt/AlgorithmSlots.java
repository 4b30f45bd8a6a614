package dev.loris.tornado.gemm.cublaslt;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A small int-keyed map of chosen algorithms for one shape. A shape almost always meets one key (its operands
 * 256-byte aligned), sometimes a few, so a linear scan over parallel arrays beats a HashMap and, unlike one,
 * looks up without boxing the key: the lookup runs on every GEMM.
 */
final class AlgorithmSlots {
    private int[] keys = new int[2];
    private MemorySegment[] algorithms = new MemorySegment[2];
    private int size;

    /** The algorithm stored under {@code key}, or null. */
    MemorySegment get(int key) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                return algorithms[i];
            }
        }
        return null;
    }

    /** Stores {@code algorithm} under {@code key}, replacing what was there. */
    void put(int key, MemorySegment algorithm) {
        for (int i = 0; i < size; i++) {
            if (keys[i] == key) {
                algorithms[i] = algorithm;
                return;
            }
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            algorithms = Arrays.copyOf(algorithms, size * 2);
        }
        keys[size] = key;
        algorithms[size] = algorithm;
        size++;
    }

    int size() {
        return size;
    }
}
