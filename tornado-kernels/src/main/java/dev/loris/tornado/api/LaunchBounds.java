package dev.loris.tornado.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A kernel's promise about its launches, so the device compiler can budget registers: every launch uses
 * work-groups of at most {@link #maxGroupSize} work-items, and {@link #minGroupsPerProcessor} of them should fit
 * one multiprocessor at once (CUDA's {@code __launch_bounds__}). On PTX they become {@code .maxntid} and
 * {@code .minnctapersm}: ptxas then keeps the registers per thread within 65,536 / (size x groups), spilling if
 * it must, which trades a few local-memory accesses for more warps to hide latency with. OpenCL and the JVM
 * ignore them. A launch with a larger work-group fails on CUDA. {@code -Dloris.launchBounds=false} compiles
 * without them (for measuring what they give).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface LaunchBounds {
    int maxGroupSize();

    int minGroupsPerProcessor() default 1;
}
