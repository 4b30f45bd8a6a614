package dev.loris.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * llama.cpp's own quantiser, {@code llama_model_quantize} from the libllama that node-llama-cpp ships
 * (gguf/node/node_modules/@node-llama-cpp/linux-x64), called through java.lang.foreign with its default
 * parameters (no importance matrix, as llama-quantize without --imatrix) but the file type and threads.
 * The struct layout is llama.h's llama_model_quantize_params of that release (64 bytes on x86-64).
 *
 * <p>{@code main IN OUT FTYPE THREADS} times one run, for docs/PERF.md.
 */
public final class LlamaQuantize {
    private static final StructLayout PARAMS = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("nthread"), ValueLayout.JAVA_INT.withName("ftype"),
            ValueLayout.JAVA_INT.withName("output_tensor_type"), ValueLayout.JAVA_INT.withName("token_embedding_type"),
            MemoryLayout.sequenceLayout(6, ValueLayout.JAVA_BYTE).withName("flags"), MemoryLayout.paddingLayout(2),
            MemoryLayout.sequenceLayout(4, ValueLayout.ADDRESS).withName("pointers"),
            ValueLayout.JAVA_LONG.withName("max_buf_size"));

    private LlamaQuantize() {
    }

    /** Quantises {@code in} (a GGUF of F32/F16/BF16 weights) to {@code out} with llama_ftype {@code ftype}. */
    public static void quantize(Path in, Path out, int ftype, int threads) {
        Path bins = NodeConsumers.folder().resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64");
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup llama = SymbolLookup.libraryLookup(bins.resolve("libllama.v0.4.0.so"), arena);
            MethodHandle defaults = linker.downcallHandle(llama.find("llama_model_quantize_default_params").orElseThrow(),
                    FunctionDescriptor.of(PARAMS));
            MethodHandle run = linker.downcallHandle(llama.find("llama_model_quantize").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            MemorySegment params = (MemorySegment) defaults.invokeExact((SegmentAllocator) arena);
            params.set(ValueLayout.JAVA_INT, 0, threads);
            params.set(ValueLayout.JAVA_INT, 4, ftype);
            int status = (int) run.invokeExact(arena.allocateFrom(in.toString()), arena.allocateFrom(out.toString()),
                    params);
            if (status != 0) {
                throw new AssertionError("llama_model_quantize failed on " + in + " with status " + status);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError("llama_model_quantize could not be called: " + e, e);
        }
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        quantize(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        System.out.printf(Locale.ROOT, "llama_model_quantize: %.1f s on %s threads%n", (System.nanoTime() - start) / 1e9,
                args[3]);
    }
}
