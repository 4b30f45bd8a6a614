package dev.loris.tornado.gemm.cublaslt;

import dev.loris.LorisException;
import dev.loris.tornado.api.types.arrays.ByteArray;
import dev.loris.tornado.gemm.Gemm;
import dev.loris.tornado.gemm.GemmOperands;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.gemm.GemmType;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.NativeHandles;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * GEMM on a CUDA GPU through cuBLASLt, with f32 compute only (CUBLAS_COMPUTE_32F, f32 alpha and beta): f32,
 * or f16/bf16 inputs with their own or f32 output, products accumulated in f32 and split-K partial sums kept
 * in f32 (see {@link CublasLtProblem#reductionSchemes}). Row-major shapes are solved as the transposed
 * column-major problem ({@link CublasLtProblem}); the bias is cuBLASLt's fused bias epilogue.
 *
 * <p>Per Gemm: one cuBLASLt handle, one preference and a 32 MiB workspace (NVIDIA's recommended size for
 * Hopper) from the accelerator. Per shape, on first use: descriptors, layouts and the heuristic's algorithm
 * ({@link CublasLtPlan}); afterwards a call sets the bias pointer if any, and calls cublasLtMatmul on the
 * caller's stream, allocating nothing. The workspace is shared by all calls: use a Gemm from one thread and,
 * at any time, one stream (two overlapping streams would both write it). {@link #close()} waits for the
 * device before releasing the workspace, so no queued multiply can write memory that has a new owner.
 */
final class CublasLtGemm implements Gemm {
    static final long WORKSPACE_BYTES = 32L << 20;

    private final Accelerator accelerator;
    private final CublasLtLibrary library;
    private final Arena arena = Arena.ofShared();
    // Host memory that alpha, beta and the bias attributes are passed from, sliced once (a slice is an object).
    private final MemorySegment alphaSlot = arena.allocate(JAVA_FLOAT);
    private final MemorySegment betaSlot = arena.allocate(JAVA_FLOAT);
    private final MemorySegment biasPointerSlot = arena.allocate(JAVA_LONG);
    private final MemorySegment biasTypeSlot = arena.allocate(JAVA_INT);
    private final MemorySegment handle;
    private final MemorySegment preference;
    private final DeviceArray workspace;
    private final ShapeCache<CublasLtPlan> plans;
    private boolean closed;

    CublasLtGemm(Accelerator accelerator, CublasLtLibrary library) {
        this.accelerator = accelerator;
        this.library = library;
        NativeHandles.makeCudaContextCurrent(accelerator);
        MemorySegment madeHandle = null;
        MemorySegment madePreference = null;
        try {
            madeHandle = library.createHandle();
            madePreference = library.createPreference();
            library.setPreferenceLong(madePreference, CublasLtConstants.PREF_MAX_WORKSPACE_BYTES, WORKSPACE_BYTES);
            this.workspace = accelerator.allocate(ByteArray.class, WORKSPACE_BYTES);
        } catch (RuntimeException e) {
            if (madePreference != null) {
                library.destroyPreference(madePreference);
            }
            if (madeHandle != null) {
                library.destroyHandle(madeHandle);
            }
            arena.close();
            throw e;
        }
        this.handle = madeHandle;
        this.preference = madePreference;
        this.plans = new ShapeCache<>(shape -> new CublasLtPlan(library, shape));
    }

    @Override
    public String name() {
        return "cuBLASLt " + library.version();
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public boolean supports(GemmShape shape) {
        return CublasLtProblem.supports(shape);
    }

    @Override
    public void multiply(GemmShape s, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        requireUsable(s);
        GemmOperands.check(accelerator, s, a, offsetA, b, offsetB, c, offsetC, bias, stream);
        NativeHandles.makeCudaContextCurrent(accelerator);
        CublasLtPlan plan = plans.get(s);
        long pointerA = NativeHandles.cudaPointer(a) + offsetA * s.typeA().bytes;
        long pointerB = NativeHandles.cudaPointer(b) + offsetB * s.typeB().bytes;
        long pointerC = NativeHandles.cudaPointer(c) + offsetC * s.typeC().bytes;
        int biasType = -1;
        long pointerBias = 0;
        if (s.bias()) {
            biasType = CublasLtProblem.dataType(GemmType.of(bias.arrayType()));
            pointerBias = NativeHandles.cudaPointer(bias);
            setBias(plan, s, pointerBias, biasType);
        }
        int key = CublasLtPlan.algorithmKey(CublasLtProblem.alignment(pointerA), CublasLtProblem.alignment(pointerB),
                CublasLtProblem.alignment(pointerC), CublasLtProblem.alignment(pointerBias), biasType);
        MemorySegment algorithm = plan.algorithm(key);
        if (algorithm == null) {
            algorithm = chooseAlgorithm(plan, s, key, pointerA, pointerB, pointerC);
        }
        alphaSlot.set(JAVA_FLOAT, 0, alpha);
        betaSlot.set(JAVA_FLOAT, 0, beta);
        // cuBLASLt's A is our B and its B our A (CublasLtProblem).
        int status = library.matmul(handle, plan.desc, alphaSlot, pointerB, plan.layoutA, pointerA,
                plan.layoutB, betaSlot, pointerC, plan.layoutC, algorithm,
                NativeHandles.cudaPointer(workspace), WORKSPACE_BYTES, NativeHandles.cudaStream(stream));
        if (status != CublasLtConstants.STATUS_SUCCESS) {
            throw CublasLtStatus.error("cublasLtMatmul", status, s + " on " + accelerator.spec());
        }
    }

    /** Points the shape's descriptor at this call's bias (the heuristic reads its alignment from it too). */
    private void setBias(CublasLtPlan plan, GemmShape s, long pointer, int dataType) {
        biasPointerSlot.set(JAVA_LONG, 0, pointer);
        biasTypeSlot.set(JAVA_INT, 0, dataType);
        int status = library.setDescAttribute(plan.desc, CublasLtConstants.DESC_BIAS_POINTER, biasPointerSlot, 8);
        if (status == CublasLtConstants.STATUS_SUCCESS) {
            status = library.setDescAttribute(plan.desc, CublasLtConstants.DESC_BIAS_DATA_TYPE, biasTypeSlot, 4);
        }
        if (status != CublasLtConstants.STATUS_SUCCESS) {
            throw CublasLtStatus.error("cublasLtMatmulDescSetAttribute", status, "the bias of " + s);
        }
    }

    /** Asks the heuristic for {@code s} with these operand alignments and keeps its answer under {@code key}. */
    private MemorySegment chooseAlgorithm(CublasLtPlan plan, GemmShape s, int key, long pointerA, long pointerB,
                                          long pointerC) {
        library.setPreferenceInt(preference, CublasLtConstants.PREF_REDUCTION_SCHEME_MASK,
                CublasLtProblem.reductionSchemes(s.typeC()));
        int[] alignments = {CublasLtProblem.alignment(pointerB), CublasLtProblem.alignment(pointerA),
                CublasLtProblem.alignment(pointerC), CublasLtProblem.alignment(pointerC)};
        for (int i = 0; i < alignments.length; i++) { // MIN_ALIGNMENT_A..D are consecutive attributes
            library.setPreferenceInt(preference, CublasLtConstants.PREF_MIN_ALIGNMENT_A_BYTES + i, alignments[i]);
        }
        MemorySegment result = plan.newResult();
        int found = library.algoGetHeuristic(handle, plan.desc, plan.layoutA, plan.layoutB, plan.layoutC,
                preference, result);
        int state = found == 0 ? CublasLtConstants.STATUS_NOT_SUPPORTED
                : result.get(JAVA_INT, CublasLtConstants.RESULT_STATE_OFFSET);
        if (state != CublasLtConstants.STATUS_SUCCESS) {
            throw CublasLtStatus.error("cublasLtMatmulAlgoGetHeuristic", state, "no algorithm for " + s + " on "
                    + accelerator.spec() + " with operands aligned to " + alignments[1] + ", " + alignments[0]
                    + " and " + alignments[2] + " bytes");
        }
        MemorySegment algorithm = result.asSlice(0, CublasLtConstants.ALGO_BYTES);
        plan.putAlgorithm(key, algorithm);
        return algorithm;
    }

    private void requireUsable(GemmShape shape) {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        if (!supports(shape)) {
            throw new LorisException("cuBLASLt cannot run " + shape + ": A and B must have one type and C that type"
                    + " or f32", "use Gemms.best, which routes such shapes to another backend");
        }
    }

    /** Waits for the device (any stream may still run a multiply), then releases everything it made. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            accelerator.synchronize();
        } finally {
            try {
                if (!accelerator.isClosed()) {
                    NativeHandles.makeCudaContextCurrent(accelerator);
                }
                plans.close();
                library.destroyPreference(preference);
                library.destroyHandle(handle);
            } finally {
                workspace.close();
                arena.close();
            }
        }
    }

    @Override
    public String toString() {
        return "cuBLASLt on " + accelerator.spec();
    }
}
