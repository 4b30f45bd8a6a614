package dev.loris.tornado.api;

import dev.loris.tornado.api.tiles.PortableTiles;
import dev.loris.tornado.api.types.HalfFloat;
import dev.loris.tornado.api.types.arrays.BFloat16Array;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.api.types.arrays.HalfFloatArray;
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
 * <p>Tensor-core operations ({@link #mmaBf16}, {@link #loadMatrix}, {@link #copyAsync} and the async groups)
 * are warp-wide like the simd operations and follow PTX's {@code mma.sync}, {@code ldmatrix} and
 * {@code cp.async} exactly; their fragments are a work-item's own arrays ({@code new float[4]}) indexed by
 * compile-time constants. {@link dev.loris.tornado.api.tiles.WarpTiles} builds warp tiles from them and
 * documents the layouts; the JVM and OpenCL run {@link PortableTiles}, the same operations written with
 * {@link #simdShuffle(int, int)}. They need compute capability 8.0 (Ampere) or newer on CUDA.
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
    /** This work-item's cp.async copies not yet waited for (made on first use). */
    private AsyncCopies asyncCopies;

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

    /** 16-bit local memory: bf16 or f16 bits, the operand tiles of tensor-core products. */
    public short[] allocateShortLocalArray(int size) {
        return (short[]) host.localArray(this, "short", size, short[]::new);
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

    /** The value of lane {@code sourceLane}; a source outside 0..31 gives the lane its own value. */
    public float simdShuffle(float value, int sourceLane) {
        long[] lanes = exchange("simdShuffle", value);
        return sourceLane >= 0 && sourceLane < WARP_SIZE ? Float.intBitsToFloat((int) lanes[sourceLane]) : value;
    }

    /** The value of lane {@code sourceLane}; a source outside 0..31 gives the lane its own value. */
    public int simdShuffle(int value, int sourceLane) {
        long[] lanes = host.simdExchange(this, "simdShuffle", value);
        return sourceLane >= 0 && sourceLane < WARP_SIZE ? (int) lanes[sourceLane] : value;
    }

    // ---- tensor cores: warp-wide, all 32 lanes together, fragments in private arrays ----

    /**
     * {@code mma.sync.m16n8k16} on bf16: the warp's 16 x 8 f32 block D = A (16 x 16) * B (16 x 8) + D, with
     * this lane's four D values at {@code acc[accAt..accAt+3]}, its four A registers (two bf16 each) at
     * {@code a[aAt..]} and its two B registers at {@code b[bAt..]}, laid out as PTX's fragments (see
     * {@link dev.loris.tornado.api.tiles.WarpTiles}). Products are exact, sums in f32.
     */
    public void mmaBf16(float[] acc, int accAt, int[] a, int aAt, int[] b, int bAt) {
        PortableTiles.mmaBf16(this, acc, accAt, a, aAt, b, bAt);
    }

    /** {@link #mmaBf16} on f16 operands. */
    public void mmaF16(float[] acc, int accAt, int[] a, int aAt, int[] b, int bAt) {
        PortableTiles.mmaF16(this, acc, accAt, a, aAt, b, bAt);
    }

    /**
     * {@code ldmatrix.m8n8.x{count}}: {@code count} (1, 2 or 4, a constant) 8 x 8 matrices of 16-bit values
     * from local memory into {@code fragments[at..at+count-1]}. Lane {@code 8j + r} gives in
     * {@code rowIndex} where row r of matrix j starts (8 consecutive elements, a multiple of 8: rows are 16
     * bytes, 16-byte aligned); lane l receives of each matrix row l / 4, columns 2(l % 4) and 2(l % 4) + 1,
     * packed low half first.
     */
    public void loadMatrix(int[] fragments, int at, short[] local, int rowIndex, int count) {
        checkMatrixRow("loadMatrix", rowIndex, count);
        PortableTiles.loadMatrix(this, fragments, at, local, rowIndex, count);
    }

    /** {@link #loadMatrix} transposed ({@code .trans}): lane l receives rows 2(l % 4), 2(l % 4) + 1 of column l / 4. */
    public void loadMatrixTransposed(int[] fragments, int at, short[] local, int rowIndex, int count) {
        checkMatrixRow("loadMatrixTransposed", rowIndex, count);
        PortableTiles.loadMatrixTransposed(this, fragments, at, local, rowIndex, count);
    }

    /**
     * {@code cp.async} of 16 bytes: starts copying 8 elements from {@code global[globalIndex..]} to
     * {@code local[localIndex..]}, of which the first {@code count} (0..8) are read and the rest are zeros.
     * Both indices must be multiples of 8. The copy joins the group {@link #asyncCommit} closes; the local
     * elements may be read only after {@link #asyncWait} has waited for that group (and a barrier, for other
     * work-items). On the JVM the copy happens at that wait, so a read before it sees the old values.
     */
    public void copyAsync(short[] local, int localIndex, BFloat16Array global, long globalIndex, int count) {
        copies().issue(local, localIndex, global.getSegment(), globalIndex, count);
    }

    /** {@link #copyAsync(short[], int, BFloat16Array, long, int)} from f16 data. */
    public void copyAsync(short[] local, int localIndex, HalfFloatArray global, long globalIndex, int count) {
        copies().issue(local, localIndex, global.getSegment(), globalIndex, count);
    }

    /** {@code cp.async.commit_group}: the copies issued since the last commit become one group. */
    public void asyncCommit() {
        copies().commit();
    }

    /** {@code cp.async.wait_group}: waits until at most {@code pendingGroups} (a constant) groups are in flight. */
    public void asyncWait(int pendingGroups) {
        copies().waitUntil(pendingGroups);
    }

    private AsyncCopies copies() {
        if (asyncCopies == null) {
            asyncCopies = new AsyncCopies();
        }
        return asyncCopies;
    }

    /** ldmatrix reads 16-byte rows: the supplying lanes' row starts must be multiples of 8 elements. */
    private void checkMatrixRow(String operation, int rowIndex, int count) {
        if (count != 1 && count != 2 && count != 4) {
            throw new KernelMisuseException(operation + "() of " + count + " matrices", "load 1, 2 or 4 matrices");
        }
        if (lane() < 8 * count && rowIndex % 8 != 0) {
            throw new KernelMisuseException(operation + "(): lane " + lane() + " gives row start " + rowIndex
                    + ", not a multiple of 8 elements (16 bytes)", "align the rows of tiles in local memory to 8 "
                    + "elements (row strides and offsets that are multiples of 8)");
        }
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
