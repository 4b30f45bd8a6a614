package dev.loris.testing;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Ring 3: the test needs a CUDA device (the H100 machine). Without one it is skipped, with the reason printed;
 * CI has no GPU, so this ring runs on the GPU machine only.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(RingCondition.Cuda.class)
public @interface RequiresCuda {
}
