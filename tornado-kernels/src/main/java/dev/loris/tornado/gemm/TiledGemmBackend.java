package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;

/**
 * The "tiled" backend: {@link TiledGemm} on every CUDA and OpenCL accelerator, the fallback where no vendor
 * library loads. Not offered on the JVM, where the Vector API backend is far faster than running a GPU kernel
 * as Java; tests open {@link TiledGemm} there directly.
 */
public final class TiledGemmBackend implements GemmBackend {
    @Override
    public String id() {
        return "tiled";
    }

    @Override
    public String unavailableReason(Accelerator accelerator) {
        return accelerator.backend() == Accelerator.Backend.JVM
                ? "the tiled kernel is for CUDA and OpenCL devices; the JVM multiplies with the Vector API" : null;
    }

    @Override
    public Gemm open(Accelerator accelerator) {
        return new TiledGemm(accelerator);
    }
}
