package dev.loris.bench;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.kernels.KernelLaunchers;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.LaunchProfiler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * tornado-kernels' launch profiler (runtime.LaunchProfiler, gemm.ProfiledGemm), tested here because bench's
 * surefire starts the JVM with -Dloris.profile=true: per kernel and per GEMM shape the calls, their bytes and
 * FLOPs as the floors need them, launches outside a profile not counted, one profile at a time.
 */
class LaunchProfilerTest {
    @BeforeAll
    static void enabled() {
        assumeTrue(LaunchProfiler.ENABLED, "needs -Dloris.profile=true (bench's surefire sets it)");
    }

    @Test
    void countsEachKernelAndGemmShapeWithItsBytesAndFlops() {
        try (Accelerator acc = Accelerator.open("jvm");
             DeviceArray a = acc.allocate(FloatArray.class, 1000);
             DeviceArray b = acc.allocate(FloatArray.class, 1000);
             DeviceArray out = acc.allocate(FloatArray.class, 1000);
             Gemm gemm = Gemms.best(acc)) {
            KernelLaunchers kernels = new KernelLaunchers(acc);
            kernels.add(a, b, out, 1000);  // before the profile: not counted
            GemmShape shape = GemmShape.of(10, 20, 30, false, true, GemmType.F32, GemmType.F32, GemmType.F32);
            LaunchProfiler profiler = acc.startProfiling();
            assertThrows(LorisException.class, acc::startProfiling, "one profile at a time");
            for (int i = 0; i < 3; i++) {
                kernels.add(a, b, out, 1000);
            }
            gemm.multiply(shape, 1f, a, b, 0f, out);
            gemm.multiply(shape, 1f, a, b, 1f, out);
            List<LaunchProfiler.Entry> entries = profiler.finish();
            assertNull(acc.profiler(), "finish detaches the profile");
            Map<String, LaunchProfiler.Entry> byName = entries.stream()
                    .collect(Collectors.toMap(LaunchProfiler.Entry::name, e -> e));
            LaunchProfiler.Entry add = byName.get("Elementwise.add(f32)");
            assertEquals(3, add.calls(), byName.keySet().toString());
            assertEquals(3 * 3 * 4000.0, add.bytes(), "three 1000-float arguments per launch");
            assertEquals(0, add.flops());
            LaunchProfiler.Entry product = byName.get(shape.toString());
            assertEquals(1, product.calls(), byName.keySet().toString());
            assertEquals(2.0 * 10 * 20 * 30, product.flops());
            assertEquals((10 * 30 + 30 * 20 + 10 * 20) * 4.0, product.bytes());
            assertEquals(1, byName.get(shape + " +=C").calls(), "beta != 0 reads C: its own entry");
            assertEquals(3, entries.size(), byName.keySet().toString());
            assertTrue(entries.stream().allMatch(e -> e.millis() >= 0));
            kernels.add(a, b, out, 1000);  // after finish: nothing recorded, nothing fails
            assertEquals(entries, profiler.finish());
        }
    }
}
