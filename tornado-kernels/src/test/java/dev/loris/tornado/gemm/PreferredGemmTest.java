package dev.loris.tornado.gemm;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gemms.best's routing: each shape to the most preferred backend that supports it, later backends opened only
 * when a shape needs them. The backends here record what reaches them instead of multiplying: what is tested
 * is the routing, which is all PreferredGemm does.
 */
class PreferredGemmTest {
    private static final GemmShape F32 = GemmShape.of(4, 4, 4, false, true, GemmType.F32, GemmType.F32, GemmType.F32);
    private static final GemmShape BF16 = GemmShape.of(4, 4, 4, false, true, GemmType.BF16, GemmType.BF16,
            GemmType.BF16);
    private static final GemmShape F16_TO_BF16 = GemmShape.of(4, 4, 4, false, false, GemmType.F16, GemmType.F16,
            GemmType.BF16);

    /** A backend whose Gemms accept the shapes {@code accepts} allows and record the calls they get. */
    private static final class RecordingBackend implements GemmBackend {
        final String id;
        final Predicate<GemmShape> accepts;
        final List<GemmShape> calls = new ArrayList<>();
        int opens;
        int closes;

        RecordingBackend(String id, Predicate<GemmShape> accepts) {
            this.id = id;
            this.accepts = accepts;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String unavailableReason(Accelerator accelerator) {
            return null;
        }

        @Override
        public Gemm open(Accelerator accelerator) {
            opens++;
            return new Gemm() {
                @Override
                public String name() {
                    return id;
                }

                @Override
                public Accelerator accelerator() {
                    return accelerator;
                }

                @Override
                public boolean supports(GemmShape shape) {
                    return accepts.test(shape);
                }

                @Override
                public void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b,
                                     long offsetB, float beta, DeviceArray c, long offsetC, DeviceArray bias,
                                     DeviceStream stream) {
                    calls.add(shape);
                }

                @Override
                public void close() {
                    closes++;
                }
            };
        }
    }

    @Test
    void eachShapeGoesToTheFirstBackendThatRunsIt() {
        RecordingBackend vendor = new RecordingBackend("vendor", s -> s.typeA() == GemmType.F32);
        RecordingBackend tiled = new RecordingBackend("tiled", s -> s.typeC() != GemmType.BF16
                || s.typeA() == GemmType.BF16);
        try (Accelerator jvm = Accelerator.open("jvm")) {
            PreferredGemm gemm = new PreferredGemm(jvm, List.of(vendor, tiled));
            assertEquals(1, vendor.opens);
            assertEquals(0, tiled.opens, "the fallback opens only when a shape needs it");
            gemm.multiply(F32, 1f, null, 0, null, 0, 0f, null, 0, null, jvm.defaultStream());
            assertEquals(0, tiled.opens);
            gemm.multiply(BF16, 1f, null, 0, null, 0, 0f, null, 0, null, jvm.defaultStream());
            gemm.multiply(BF16, 1f, null, 0, null, 0, 0f, null, 0, null, jvm.defaultStream());
            assertEquals(List.of(F32), vendor.calls);
            assertEquals(List.of(BF16, BF16), tiled.calls);
            assertEquals(1, tiled.opens);
            assertTrue(gemm.supports(BF16));
            assertFalse(gemm.supports(F16_TO_BF16));
            LorisException none = assertThrows(LorisException.class, () -> gemm.multiply(F16_TO_BF16, 1f, null, 0,
                    null, 0, 0f, null, 0, null, jvm.defaultStream()));
            assertTrue(none.getMessage().contains("vendor, tiled"), none.getMessage());
            assertEquals("vendor (else tiled)", gemm.name());
            gemm.close();
            assertEquals(1, vendor.closes);
            assertEquals(1, tiled.closes);
            assertThrows(IllegalStateException.class, () -> gemm.supports(F32));
        }
    }
}
