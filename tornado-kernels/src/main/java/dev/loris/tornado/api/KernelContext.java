package dev.loris.tornado.api;

import dev.loris.tornado.api.types.HalfFloat;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.IntArray;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The first parameter of every kernel (TornadoVM's name): the work-item's position in the grid, its
 * work-group's barriers and local memory, atomics, and warp (simd) operations.
 *
 * <p>The int fields are public so that kernels read them as TornadoVM kernels do; they are read-only for
 * kernels (the device compiler rejects a write; on the JVM a write corrupts the run). Ids count from 0;
 * unused dimensions have id 0 and size 1. {@code globalGroupSize*} is the grid size in work-items
 * (OpenCL get_global_size), {@code localGroupSize*} the work-group size (get_local_size).
 *
 * <p>Barriers are work-group scope, as in TornadoVM, OpenCL and CUDA: {@link #globalBarrier()} orders
 * global memory among the work-items of one group and does not wait for other groups. Every work-item of a
 * group must reach the same barriers in the same order. Local arrays are shared by the group; sizes must be
 * compile-time constants for devices, and device local memory starts undefined (the JVM gives zeros: do not
 * rely on it).
 *
 * <p>Simd operations work on warps of {@link #WARP_SIZE} work-items: lanes are consecutive linear local ids
 * ({@code localIdx} fastest), so with {@code localGroupSizeX} a multiple of 32 a warp is 32 consecutive
 * {@code localIdx}. The work-group size must be a multiple of 32, and all 32 lanes of a warp must call the
 * same operation together (uniform control flow within the warp; other warps may skip it). On OpenCL devices
 * without cl_khr_subgroup_shuffle and 32-wide sub-groups (NVIDIA's and AMD's OpenCL, PoCL 3), simd operations
 * go through local memory between barriers, so there every work-item of the work-group must reach each one,
 * as with a barrier; the compiler refuses a kernel where it cannot show that (naming the line).
 *
 * <p>Integer {@code /} and {@code %} follow Java everywhere: MIN_VALUE / -1 wraps, and a zero divisor raises
 * a {@link DivisionByZeroException} (an ArithmeticException) naming the kernel, the source line and the
 * device. On the JVM the launch throws it. Devices cannot throw: the first faulting division of a run is
 * recorded, the division gives 0, the kernel goes on, and the host raises the exception at its next
 * synchronisation point (accelerator or stream synchronize, a blocking copy back, an execution plan's
 * execute), as CUDA reports its errors, so the results of that launch are undefined. The check costs a compare
 * per division whose divisor is not a non-zero constant; divisions by constants cost nothing.
 *
 * <p>A context made with {@code new KernelContext()} is a single work-item (grid and group of one), enough
 * to call a kernel directly from Java; runtimes make theirs with {@link #KernelContext(WorkItemHost)}.
 */
public final class KernelContext {
    /** Lanes per warp (NVIDIA's warp; OpenCL sub-groups of this size). */
    public static final int WARP_SIZE = 32;

    private static final VarHandle SEGMENT_INTS =
            ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).arrayElementVarHandle();
    private static final VarHandle LOCAL_INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LOCAL_FLOATS = MethodHandles.arrayElementVarHandle(float[].class);

    public int globalIdx;
    public int globalIdy;
    public int globalIdz;
    public int localIdx;
    public int localIdy;
    public int localIdz;
    public int groupIdx;
    public int groupIdy;
    public int groupIdz;
    public int globalGroupSizeX = 1;
    public int globalGroupSizeY = 1;
    public int globalGroupSizeZ = 1;
    public int localGroupSizeX = 1;
    public int localGroupSizeY = 1;
    public int localGroupSizeZ = 1;

    private final WorkItemHost host;

    /** A single work-item: grid and group of size one. */
    public KernelContext() {
        this(SoloWorkItem.INSTANCE);
    }

    /** A work-item executed by {@code host} (for runtimes). */
    public KernelContext(WorkItemHost host) {
        this.host = host;
    }

    /** Waits for every work-item of the group; makes their local-memory writes visible to each other. */
    public void localBarrier() {
        host.barrier(this, WorkItemHost.Barrier.LOCAL);
    }

    /** Waits for every work-item of the group; makes their global-memory writes visible within the group. */
    public void globalBarrier() {
        host.barrier(this, WorkItemHost.Barrier.GLOBAL);
    }

    public float[] allocateFloatLocalArray(int size) {
        return (float[]) host.localArray(this, "float", size, float[]::new);
    }

    public int[] allocateIntLocalArray(int size) {
        return (int[]) host.localArray(this, "int", size, int[]::new);
    }

    public long[] allocateLongLocalArray(int size) {
        return (long[]) host.localArray(this, "long", size, long[]::new);
    }

    public HalfFloat[] allocateHalfFloatLocalArray(int size) {
        return (HalfFloat[]) host.localArray(this, "HalfFloat", size, KernelContext::zeroHalfFloats);
    }

    /** Adds {@code value} to {@code array[index]} atomically; returns the old value. */
    public int atomicAdd(IntArray array, int index, int value) {
        return (int) SEGMENT_INTS.getAndAdd(array.getSegment(), 0L, (long) index, value);
    }

    /** Adds {@code value} to {@code array[index]} atomically; returns the old value. */
    public float atomicAdd(FloatArray array, int index, float value) {
        var segment = array.getSegment();
        long at = index;
        while (true) {
            int oldBits = (int) SEGMENT_INTS.getVolatile(segment, 0L, at);
            int newBits = Float.floatToRawIntBits(Float.intBitsToFloat(oldBits) + value);
            if (SEGMENT_INTS.compareAndSet(segment, 0L, at, oldBits, newBits)) {
                return Float.intBitsToFloat(oldBits);
            }
        }
    }

    /** Adds {@code value} to {@code localArray[index]} atomically; returns the old value. */
    public int atomicAdd(int[] localArray, int index, int value) {
        return (int) LOCAL_INTS.getAndAdd(localArray, index, value);
    }

    /** Adds {@code value} to {@code localArray[index]} atomically; returns the old value. */
    public float atomicAdd(float[] localArray, int index, float value) {
        return (float) LOCAL_FLOATS.getAndAdd(localArray, index, value);
    }

    /** The value of lane {@code lane + delta}; lanes past 31 (or a negative delta) keep their own value. */
    public float simdShuffleDown(float value, int delta) {
        long[] lanes = exchange("simdShuffleDown", value);
        int source = downSource(delta);
        return source < 0 ? value : Float.intBitsToFloat((int) lanes[source]);
    }

    /** The value of lane {@code lane + delta}; lanes past 31 (or a negative delta) keep their own value. */
    public int simdShuffleDown(int value, int delta) {
        long[] lanes = host.simdExchange(this, "simdShuffleDown", value);
        int source = downSource(delta);
        return source < 0 ? value : (int) lanes[source];
    }

    /** The value of lane {@code lane ^ laneMask}; a lane whose partner is past 31 keeps its own value. */
    public float simdShuffleXor(float value, int laneMask) {
        long[] lanes = exchange("simdShuffleXor", value);
        int source = xorSource(laneMask);
        return source < 0 ? value : Float.intBitsToFloat((int) lanes[source]);
    }

    /** The value of lane {@code lane ^ laneMask}; a lane whose partner is past 31 keeps its own value. */
    public int simdShuffleXor(int value, int laneMask) {
        long[] lanes = host.simdExchange(this, "simdShuffleXor", value);
        int source = xorSource(laneMask);
        return source < 0 ? value : (int) lanes[source];
    }

    /**
     * The sum over the warp, returned to every lane. Summed as a shuffle tree (offsets 16, 8, 4, 2, 1, each
     * lane adding its partner's partial to its own), the order device code uses, so results match bit for bit.
     */
    public float simdSum(float value) {
        return shuffleTree(exchange("simdSum", value), Float::sum);
    }

    /** The sum over the warp (wrapping on overflow), returned to every lane. */
    public int simdSum(int value) {
        long[] lanes = host.simdExchange(this, "simdSum", value);
        int sum = 0;
        for (long lane : lanes) {
            sum += (int) lane;
        }
        return sum;
    }

    /** The maximum over the warp, returned to every lane (NaN if any lane holds NaN, as Math.max). */
    public float simdMax(float value) {
        return shuffleTree(exchange("simdMax", value), Math::max);
    }

    /** Lane 0's value, returned to every lane. */
    public float simdBroadcastFirst(float value) {
        return Float.intBitsToFloat((int) exchange("simdBroadcastFirst", value)[0]);
    }

    /** Position of this work-item in its warp: linear local id modulo 32. */
    private int lane() {
        int linear = localIdx + localGroupSizeX * (localIdy + localGroupSizeY * localIdz);
        return linear % WARP_SIZE;
    }

    private int downSource(int delta) {
        int lane = lane();
        return delta >= 0 && delta < WARP_SIZE - lane ? lane + delta : -1;
    }

    private int xorSource(int laneMask) {
        int source = lane() ^ laneMask;
        return source >= 0 && source < WARP_SIZE ? source : -1;
    }

    private long[] exchange(String operation, float value) {
        return host.simdExchange(this, operation, Float.floatToRawIntBits(value));
    }

    /** Combining two lane values, for {@link #shuffleTree}. */
    @FunctionalInterface
    private interface FloatCombiner {
        float combine(float own, float partner);
    }

    /**
     * Lane 0's result of the shuffle-down tree over the warp (offsets 16, 8, 4, 2, 1), which is also every
     * lane's result of the xor butterfly, since each step combines the same two partials.
     */
    private static float shuffleTree(long[] lanes, FloatCombiner combiner) {
        float[] partial = new float[lanes.length];
        for (int i = 0; i < lanes.length; i++) {
            partial[i] = Float.intBitsToFloat((int) lanes[i]);
        }
        for (int offset = WARP_SIZE / 2; offset > 0; offset /= 2) {
            for (int lane = 0; lane < offset; lane++) {
                partial[lane] = combiner.combine(partial[lane], partial[lane + offset]);
            }
        }
        return partial[0];
    }

    private static HalfFloat[] zeroHalfFloats(int size) {
        HalfFloat[] values = new HalfFloat[size];
        Arrays.fill(values, HalfFloat.ZERO);
        return values;
    }
}
