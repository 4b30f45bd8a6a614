package dev.loris.train.optim;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Optimizer state save and restore, for every kind on every backend: an optimizer over a group at an offset of
 * a flat buffer takes 3 steps, saves its state, and a NEW optimizer loads it and takes 3 more steps; the
 * parameters end bit-identical to 6 steps of one optimizer (fresh random parameters and gradients; the seed is
 * in the messages). A state file of another optimizer kind is one clear error.
 */
class OptimizerStateTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String spec : Accelerator.available()) {
            for (String kind : List.of("adamw", "adamw8bit", "sgd")) {
                cases.add(Arguments.of(spec, kind));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aRestoredOptimizerContinuesBitForBit(String spec, String kindName) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int n = 700 + random.nextInt(900);
        int offset = random.nextInt(40);
        int total = offset + n + random.nextInt(40);
        float[] start = values(random, total, 1);
        float[][] grads = new float[6][];
        for (int t = 0; t < 6; t++) {
            grads[t] = values(random, total, 0.1);
        }
        Optimizer.Kind kind = Optimizer.named(kindName, 0.05);
        String where = spec + " " + kindName + " seed " + seed;
        try (Accelerator acc = Accelerator.open(spec);
             DeviceArray straight = acc.upload(FloatArray.fromArray(start));
             DeviceArray resumed = acc.upload(FloatArray.fromArray(start));
             DeviceArray g = acc.allocate(FloatArray.class, total)) {
            try (Optimizer one = new Optimizer(acc, straight, g, offset, n, kind)) {
                for (int t = 0; t < 6; t++) {
                    g.copyFrom(FloatArray.fromArray(grads[t]));
                    one.step(1e-2 * (t + 1), 0.7);
                }
            }
            Path file = dir.resolve(kindName + ".safetensors");
            try (Optimizer first = new Optimizer(acc, resumed, g, offset, n, kind)) {
                for (int t = 0; t < 3; t++) {
                    g.copyFrom(FloatArray.fromArray(grads[t]));
                    first.step(1e-2 * (t + 1), 0.7);
                }
                first.save(file);
            }
            try (Optimizer second = new Optimizer(acc, resumed, g, offset, n, kind)) {
                second.load(file);
                assertEquals(3, second.steps(), where);
                for (int t = 3; t < 6; t++) {
                    g.copyFrom(FloatArray.fromArray(grads[t]));
                    second.step(1e-2 * (t + 1), 0.7);
                }
            }
            assertArrayEquals(read(straight), read(resumed), where);
            Optimizer.Kind other = kindName.equals("sgd") ? Optimizer.AdamW.defaults() : new Optimizer.Sgd(0.9, 0);
            try (Optimizer wrong = new Optimizer(acc, resumed, g, offset, n, other)) {
                LorisException e = assertThrows(LorisException.class, () -> wrong.load(file));
                assertTrue(e.getMessage().contains("is for " + kindName), e.getMessage());
            }
        }
    }

    private static float[] values(Random random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }

    private static float[] read(DeviceArray array) {
        FloatArray host = new FloatArray(array.length());
        array.copyTo(host);
        return host.toHeapArray();
    }
}
