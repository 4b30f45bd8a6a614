package dev.loris.testing;

import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.Backends;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Decides whether a ring-2 or ring-3 test can run here. Backends are probed once per JVM. A skip prints its
 * reason on stdout (Surefire's summary alone would not say why), once per test class.
 */
abstract class RingCondition implements ExecutionCondition {
    private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
    private final String ring;
    private final boolean mandatoryInCi;

    RingCondition(String ring, boolean mandatoryInCi) {
        this.ring = ring;
        this.mandatoryInCi = mandatoryInCi;
    }

    abstract BackendStatus status();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        BackendStatus status = status();
        if (status.available()) {
            return ConditionEvaluationResult.enabled(ring + " available");
        }
        String reason = "no " + status.backend() + " device: " + status.missingReason();
        if (mandatoryInCi && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI=true but " + reason
                    + ". The " + ring + " tests must run in CI: .ci/run has to install it.");
        }
        String testClass = context.getRequiredTestClass().getName();
        if (REPORTED.add(ring + " " + testClass)) {
            System.out.println("SKIPPED " + ring + " tests in " + testClass + ": " + reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    static final class OpenCl extends RingCondition {
        private static final Supplier<BackendStatus> STATUS = once(Backends::probeOpenCl);

        OpenCl() {
            super("OpenCL", true);
        }

        @Override
        BackendStatus status() {
            return STATUS.get();
        }
    }

    static final class Cuda extends RingCondition {
        private static final Supplier<BackendStatus> STATUS = once(Backends::probeCuda);

        Cuda() {
            super("CUDA", false);
        }

        @Override
        BackendStatus status() {
            return STATUS.get();
        }
    }

    private static <T> Supplier<T> once(Supplier<T> supplier) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = supplier.get();
                }
                return value;
            }
        };
    }
}
