package dev.loris.tornado.gemm;

import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.CompiledKernel;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Gemm} through Loris' tensor-core kernel, {@link TensorCoreGemmKernels#multiply}: bf16 or f16 A and B
 * of the same type, any C and bias type. The backend {@link TensorCoreGemmBackend} offers it on CUDA GPUs of
 * compute capability 8.0 and newer; on the JVM and OpenCL it runs through the portable tile lowering, for tests.
 *
 * <p>As {@link TiledGemm}: one kernel variant per combination of compile-time constants (input type, C type,
 * bias type, transposes, alignment), each with one {@link KernelLaunch} kept for the life of this object, the
 * slots a variant never reads bound once to placeholders, so a call allocates nothing once its variant exists.
 */
public final class TensorCoreGemm implements Gemm {
    static final Method KERNEL = Accelerator.findKernel(TensorCoreGemmKernels.class, "multiply");
    private static final int TYPES = GemmType.values().length;
    private static final int VARIANTS = 2 * TYPES * (TYPES + 1) * 8;

    private final Accelerator accelerator;
    private final GemmPlaceholders placeholders;
    private final KernelLaunch[] launches = new KernelLaunch[VARIANTS];
    private final int maxGroupsZ;

    public TensorCoreGemm(Accelerator accelerator) {
        this(accelerator, TensorCoreGemmKernels.MAX_GROUPS_YZ);
    }

    /** With a lower cap on the grid's z extent, so tests reach the kernel's batch loop with few batches. */
    TensorCoreGemm(Accelerator accelerator, int maxGroupsZ) {
        this.accelerator = accelerator;
        this.maxGroupsZ = maxGroupsZ;
        this.placeholders = new GemmPlaceholders(accelerator);
    }

    @Override
    public String name() {
        return "Loris tensor cores (" + switch (accelerator.backend()) {
            case CUDA -> "PTX mma.sync";
            case OPENCL -> "OpenCL, portable";
            case JVM -> "JVM";
        } + ")";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    /** bf16 x bf16 or f16 x f16 (tensor cores multiply one type), and column tiles within the grid's y limit. */
    @Override
    public boolean supports(GemmShape shape) {
        return shape.typeA() == shape.typeB() && shape.typeA() != GemmType.F32
                && tiles(shape.n(), TensorCoreGemmKernels.BN) <= TensorCoreGemmKernels.MAX_GROUPS_YZ;
    }

    @Override
    public void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        GemmOperands.check(accelerator, shape, a, offsetA, b, offsetB, c, offsetC, bias);
        if (!supports(shape)) {
            throw new dev.loris.LorisException(shape + " is not a tensor-core GEMM", "the tensor-core kernel takes "
                    + "bf16 x bf16 or f16 x f16; use Gemms.best, which sends other shapes to another backend");
        }
        int biasType = bias == null ? TensorCoreGemmKernels.NO_BIAS : GemmType.of(bias.arrayType()).ordinal();
        boolean aligned = aligned(shape, offsetA, offsetB);
        KernelLaunch launch = launcher(shape, biasType, aligned);
        int inSlot = shape.typeA().ordinal() - 1; // F16 = 0, BF16 = 1
        launch.set(TensorCoreGemmKernels.PARAM_A + inSlot, a);
        launch.set(TensorCoreGemmKernels.PARAM_A + 2, offsetA).set(TensorCoreGemmKernels.PARAM_A + 3, shape.lda())
                .set(TensorCoreGemmKernels.PARAM_A + 4, shape.strideA());
        launch.set(TensorCoreGemmKernels.PARAM_B + inSlot, b);
        launch.set(TensorCoreGemmKernels.PARAM_B + 2, offsetB).set(TensorCoreGemmKernels.PARAM_B + 3, shape.ldb())
                .set(TensorCoreGemmKernels.PARAM_B + 4, shape.strideB());
        int p = TensorCoreGemmKernels.PARAM_C;
        launch.set(p + shape.typeC().ordinal(), c);
        launch.set(p + TYPES, offsetC).set(p + TYPES + 1, shape.ldc()).set(p + TYPES + 2, shape.strideC());
        if (bias != null) {
            launch.set(TensorCoreGemmKernels.PARAM_BIAS + biasType, bias);
        }
        p = TensorCoreGemmKernels.PARAM_M;
        launch.set(p, shape.m()).set(p + 1, shape.n()).set(p + 2, shape.k()).set(p + 3, shape.batch())
                .set(p + 4, alpha).set(p + 5, beta);
        launch.launch((long) tiles(shape.m(), TensorCoreGemmKernels.BM) * TensorCoreGemmKernels.GROUP,
                tiles(shape.n(), TensorCoreGemmKernels.BN), Math.min(shape.batch(), maxGroupsZ),
                TensorCoreGemmKernels.GROUP, 1, 1, stream);
    }

    /** cp.async reads 16-byte chunks: every row start of A and B must be a multiple of 8 elements. */
    static boolean aligned(GemmShape shape, long offsetA, long offsetB) {
        boolean batched = shape.batch() > 1;
        return offsetA % 8 == 0 && shape.lda() % 8 == 0 && (!batched || shape.strideA() % 8 == 0)
                && offsetB % 8 == 0 && shape.ldb() % 8 == 0 && (!batched || shape.strideB() % 8 == 0);
    }

    private KernelLaunch launcher(GemmShape shape, int biasType, boolean aligned) {
        int variant = ((((shape.typeA().ordinal() - 1) * TYPES + shape.typeC().ordinal()) * (TYPES + 1) + biasType)
                * 2 + (shape.transposeA() ? 1 : 0)) * 4 + (shape.transposeB() ? 2 : 0) + (aligned ? 1 : 0);
        KernelLaunch launch = launches[variant];
        if (launch == null) {
            launch = compile(shape, biasType, aligned);
            launches[variant] = launch;
        }
        return launch;
    }

    /** The variant's kernel, and a launcher with placeholders in every typed slot it never reads. */
    private KernelLaunch compile(GemmShape shape, int biasType, boolean aligned) {
        CompiledKernel kernel = accelerator.compile(KERNEL, constants(shape, biasType, aligned));
        KernelLaunch launch = kernel.launcher();
        int inSlot = shape.typeA().ordinal() - 1;
        for (int first : new int[] {TensorCoreGemmKernels.PARAM_A, TensorCoreGemmKernels.PARAM_B}) {
            int unused = 1 - inSlot; // the other input type's slot
            launch.set(first + unused, placeholders.of(unused + 1));
        }
        for (int type = 0; type < TYPES; type++) {
            if (type != shape.typeC().ordinal()) {
                launch.set(TensorCoreGemmKernels.PARAM_C + type, placeholders.of(type));
            }
            if (type != biasType) {
                launch.set(TensorCoreGemmKernels.PARAM_BIAS + type, placeholders.of(type));
            }
        }
        return launch;
    }

    /** The compile-time constants of a variant: input, C and bias type codes, the transposes, alignment. */
    static Map<Integer, Object> constants(GemmShape shape, int biasType, boolean aligned) {
        Map<Integer, Object> constants = new HashMap<>();
        int p = TensorCoreGemmKernels.PARAM_TYPE_IN;
        constants.put(p, shape.typeA().ordinal());
        constants.put(p + 1, shape.typeC().ordinal());
        constants.put(p + 2, biasType);
        constants.put(p + 3, shape.transposeA());
        constants.put(p + 4, shape.transposeB());
        constants.put(p + 5, aligned);
        return constants;
    }

    private static int tiles(int extent, int tile) {
        return (extent + tile - 1) / tile;
    }

    @Override
    public void close() {
        for (int i = 0; i < launches.length; i++) {
            if (launches[i] != null) {
                launches[i].close();
                launches[i] = null;
            }
        }
        placeholders.close();
    }

    @Override
    public String toString() {
        return name() + " on " + accelerator.spec();
    }
}
