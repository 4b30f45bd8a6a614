package dev.loris.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Ring 2: the test needs an OpenCL device (PoCL in CI). Without one it is skipped with the reason printed,
 * except under CI=true, where it fails, so that a missing install step in .ci/run cannot hide behind skips.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("opencl")
@ExtendWith(RingCondition.OpenCl.class)
public @interface RequiresOpenCl {
}
