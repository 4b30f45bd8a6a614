package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;

import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A GEMM backend that is a vendor library serving one kind of accelerator (cuBLASLt on CUDA, CLBlast on
 * OpenCL): available where the accelerator is of that kind and the library loads. The library is asked for
 * only when an accelerator of its kind is, so registering the backend loads nothing.
 *
 * @param <L> the library's binding class
 */
public abstract class VendorBackend<L> implements GemmBackend {
    private final String id;
    private final String libraryName;
    private final Accelerator.Backend kind;
    private final Supplier<VendorLibrary<L>> library;
    private final BiFunction<Accelerator, L, Gemm> opener;

    /**
     * @param libraryName as reasons name it: "cuBLASLt"
     * @param kind        the accelerators it serves
     * @param library     the process's loaded (or missing) library, asked for on first use
     * @param opener      a new Gemm on an accelerator of {@code kind}, with the loaded library
     */
    protected VendorBackend(String id, String libraryName, Accelerator.Backend kind,
                            Supplier<VendorLibrary<L>> library, BiFunction<Accelerator, L, Gemm> opener) {
        this.id = id;
        this.libraryName = libraryName;
        this.kind = kind;
        this.library = library;
        this.opener = opener;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String unavailableReason(Accelerator accelerator) {
        if (accelerator.backend() != kind) {
            return libraryName + " runs on " + kindInWords() + "; " + accelerator.spec() + " is not one";
        }
        return library.get().missingReason();
    }

    @Override
    public final Gemm open(Accelerator accelerator) {
        String reason = unavailableReason(accelerator);
        if (reason != null) {
            throw new IllegalStateException(id + " cannot open on " + accelerator.spec() + ": " + reason);
        }
        return opener.apply(accelerator, library.get().library());
    }

    private String kindInWords() {
        return switch (kind) {
            case CUDA -> "CUDA GPUs";
            case OPENCL -> "OpenCL devices";
            case JVM -> "the JVM";
        };
    }
}
