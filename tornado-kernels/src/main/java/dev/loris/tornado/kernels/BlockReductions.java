package dev.loris.tornado.kernels;

import dev.loris.tornado.api.KernelContext;

/**
 * Work-group reductions that kernels of this package inline: each work-item contributes one value and every
 * work-item of the group gets the result. Two shapes: a tree in local memory (every backend) and warp sums
 * combined through local memory (fewer barriers; needs simd operations in one warp only, so PTX, the JVM and
 * OpenCL devices with 32-wide sub-group shuffles, not the local-memory fallback of the others).
 *
 * <p>Contract for callers: 1D work-groups; for the tree, {@code localGroupSizeX} a power of two no larger
 * than {@code partial.length}; for the warp form, a multiple of 32 and at most {@code 32 * (slots.length - 1)}.
 * Every work-item of the group must call, with no work-item returning early. Each call ends with a barrier
 * after the result is read, so the caller may reuse the local array at once.
 */
public final class BlockReductions {
    private BlockReductions() {
    }

    /** The sum over the group, summed as a binary tree over local ids (pairs at distance size/2, /4, ...). */
    public static float sum(KernelContext ctx, float[] partial, float value) {
        int lid = ctx.localIdx;
        partial[lid] = value;
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
        }
        return broadcastFirst(ctx, partial);
    }

    /** The maximum over the group (NaN if any value is NaN, as Math.max), as a tree like {@link #sum}. */
    public static float max(KernelContext ctx, float[] partial, float value) {
        int lid = ctx.localIdx;
        partial[lid] = value;
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            ctx.localBarrier();
            if (lid < stride) {
                partial[lid] = Math.max(partial[lid], partial[lid + stride]);
            }
        }
        return broadcastFirst(ctx, partial);
    }

    /**
     * The sum over the group through warp sums: each warp's total goes to {@code slots[warp]}, the first warp
     * sums those and its lane 0 publishes the total in the last slot, which every work-item then reads.
     */
    public static float sumByWarps(KernelContext ctx, float[] slots, float value) {
        int warp = ctx.localIdx / KernelContext.WARP_SIZE;
        int lane = ctx.localIdx % KernelContext.WARP_SIZE;
        int warps = ctx.localGroupSizeX / KernelContext.WARP_SIZE;
        int published = slots.length - 1;
        float warpTotal = ctx.simdSum(value);
        if (lane == 0) {
            slots[warp] = warpTotal;
        }
        ctx.localBarrier();
        if (warp == 0) {
            float total = ctx.simdSum(lane < warps ? slots[lane] : 0f);
            if (lane == 0) {
                slots[published] = total;
            }
        }
        ctx.localBarrier();
        float total = slots[published];
        ctx.localBarrier();
        return total;
    }

    /** Waits for the last tree step, reads slot 0, and waits again so the slot may be overwritten. */
    private static float broadcastFirst(KernelContext ctx, float[] partial) {
        ctx.localBarrier();
        float result = partial[0];
        ctx.localBarrier();
        return result;
    }
}
