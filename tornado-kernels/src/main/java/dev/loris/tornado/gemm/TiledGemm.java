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
 * {@link Gemm} through Loris' own kernel, {@link TiledGemmKernels#multiply}, on any accelerator (the backend
 * {@link TiledGemmBackend} offers it on CUDA and OpenCL; on the JVM it runs for tests).
 *
 * <p>The kernel is compiled once per combination of operand types, bias type and transposes, with those fixed
 * as compile-time constants, and each compiled variant gets one {@link KernelLaunch} kept for the life of this
 * object. A launcher's type slots that its variant never reads are bound once to one-element placeholder
 * arrays; a call binds the real operands and the scalars and launches, allocating nothing once a variant has
 * been seen. Shapes whose column tiles would pass the grid's y limit ({@code n > 65535 * 64}) are not
 * supported.
 */
public final class TiledGemm implements Gemm {
    static final Method KERNEL = Accelerator.findKernel(TiledGemmKernels.class, "multiply");
    private static final int TYPES = GemmType.values().length;
    /** Bias types: the three GemmTypes and none. */
    private static final int BIAS_TYPES = TYPES + 1;
    private static final int VARIANTS = TYPES * TYPES * TYPES * BIAS_TYPES * 4;

    private final Accelerator accelerator;
    /** One placeholder per slot type, bound to the slots a variant does not read. */
    private final GemmPlaceholders placeholders;
    /** Launchers by {@link #variant}, made on first use. */
    private final KernelLaunch[] launches = new KernelLaunch[VARIANTS];

    /** Groups the grid has along z at most; batches beyond loop in the kernel. */
    private final int maxGroupsZ;

    public TiledGemm(Accelerator accelerator) {
        this(accelerator, TiledGemmKernels.MAX_GROUPS_YZ);
    }

    /** With a lower cap on the grid's z extent, so tests reach the kernel's batch loop with few batches. */
    TiledGemm(Accelerator accelerator, int maxGroupsZ) {
        this.accelerator = accelerator;
        this.maxGroupsZ = maxGroupsZ;
        this.placeholders = new GemmPlaceholders(accelerator);
    }

    @Override
    public String name() {
        return "Loris tiled (" + switch (accelerator.backend()) {
            case CUDA -> "PTX";
            case OPENCL -> "OpenCL";
            case JVM -> "JVM";
        } + ")";
    }

    @Override
    public Accelerator accelerator() {
        return accelerator;
    }

    @Override
    public boolean supports(GemmShape shape) {
        return tiles(shape.n()) <= TiledGemmKernels.MAX_GROUPS_YZ;
    }

    @Override
    public void multiply(GemmShape shape, float alpha, DeviceArray a, long offsetA, DeviceArray b, long offsetB,
                         float beta, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        GemmOperands.check(accelerator, shape, a, offsetA, b, offsetB, c, offsetC, bias);
        int biasType = bias == null ? TiledGemmKernels.NO_BIAS : GemmType.of(bias.arrayType()).ordinal();
        KernelLaunch launch = launcher(shape, biasType);
        bindOperand(launch, TiledGemmKernels.PARAM_A, shape.typeA(), a, offsetA, shape.lda(), shape.strideA());
        bindOperand(launch, TiledGemmKernels.PARAM_B, shape.typeB(), b, offsetB, shape.ldb(), shape.strideB());
        bindOperand(launch, TiledGemmKernels.PARAM_C, shape.typeC(), c, offsetC, shape.ldc(), shape.strideC());
        if (bias != null) {
            launch.set(TiledGemmKernels.PARAM_BIAS + biasType, bias);
        }
        int p = TiledGemmKernels.PARAM_M;
        launch.set(p, shape.m()).set(p + 1, shape.n()).set(p + 2, shape.k()).set(p + 3, shape.batch())
                .set(p + 4, alpha).set(p + 5, beta);
        launch.launch((long) tiles(shape.m()) * TiledGemmKernels.GROUP, tiles(shape.n()),
                Math.min(shape.batch(), maxGroupsZ), TiledGemmKernels.GROUP, 1, 1, stream);
    }

    /** The operand's array in the slot of its type, and its offset, leading dimension and batch stride. */
    private static void bindOperand(KernelLaunch launch, int first, GemmType type, DeviceArray array, long offset,
                                    long ld, long stride) {
        launch.set(first + type.ordinal(), array);
        launch.set(first + TYPES, offset).set(first + TYPES + 1, ld).set(first + TYPES + 2, stride);
    }

    private KernelLaunch launcher(GemmShape shape, int biasType) {
        int variant = variant(shape, biasType);
        KernelLaunch launch = launches[variant];
        if (launch == null) {
            launch = compile(shape, biasType);
            launches[variant] = launch;
        }
        return launch;
    }

    private static int variant(GemmShape s, int biasType) {
        int types = (s.typeA().ordinal() * TYPES + s.typeB().ordinal()) * TYPES + s.typeC().ordinal();
        return ((types * BIAS_TYPES + biasType) * 2 + (s.transposeA() ? 1 : 0)) * 2 + (s.transposeB() ? 1 : 0);
    }

    /** The variant's kernel, and a launcher with placeholders in every slot it never reads. */
    private KernelLaunch compile(GemmShape shape, int biasType) {
        int[] types = {shape.typeA().ordinal(), shape.typeB().ordinal(), shape.typeC().ordinal(), biasType};
        CompiledKernel kernel = accelerator.compile(KERNEL, constants(shape, biasType));
        KernelLaunch launch = kernel.launcher();
        int[] slots = {TiledGemmKernels.PARAM_A, TiledGemmKernels.PARAM_B, TiledGemmKernels.PARAM_C,
                TiledGemmKernels.PARAM_BIAS};
        for (int operand = 0; operand < slots.length; operand++) {
            for (int type = 0; type < TYPES; type++) {
                if (type != types[operand]) {
                    launch.set(slots[operand] + type, placeholders.of(type));
                }
            }
        }
        return launch;
    }

    /**
     * The compile-time constants of the kernel variant for {@code shape} with a bias of type code
     * {@code biasType} ({@link TiledGemmKernels#NO_BIAS} for none): the four type codes and the transposes.
     */
    static Map<Integer, Object> constants(GemmShape shape, int biasType) {
        Map<Integer, Object> constants = new HashMap<>();
        int p = TiledGemmKernels.PARAM_TYPE_A;
        constants.put(p, shape.typeA().ordinal());
        constants.put(p + 1, shape.typeB().ordinal());
        constants.put(p + 2, shape.typeC().ordinal());
        constants.put(p + 3, biasType);
        constants.put(TiledGemmKernels.PARAM_TRANSPOSE_A, shape.transposeA());
        constants.put(TiledGemmKernels.PARAM_TRANSPOSE_A + 1, shape.transposeB());
        return constants;
    }

    private static int tiles(int extent) {
        return (extent + TiledGemmKernels.TILE - 1) / TiledGemmKernels.TILE;
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
