package dev.loris.tornado.runtime.jvm;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;

import java.util.Arrays;

/**
 * A validated 1D/2D/3D launch: global size in work-items and local (work-group) size per dimension, padded
 * to three dimensions with size 1. Places work-items by giving a KernelContext its ids; groups and items
 * are numbered linearly with x fastest, as devices number them.
 */
record Grid(int[] global, int[] local, int[] groups) {
    private static final String[] AXES = {"x", "y", "z"};

    static Grid of(long[] global, int[] local) {
        if (global == null || local == null || global.length != local.length || global.length < 1
                || global.length > 3) {
            throw new LorisException("a kernel grid needs 1 to 3 dimensions, the same number for global and local "
                    + "sizes; got global " + Arrays.toString(global) + " and local " + Arrays.toString(local),
                    "pass e.g. global {n} and local {256}");
        }
        int[] global3 = {1, 1, 1};
        int[] local3 = {1, 1, 1};
        int[] groups3 = {1, 1, 1};
        for (int d = 0; d < global.length; d++) {
            checkDimension(global, local, d);
            global3[d] = (int) global[d];
            local3[d] = local[d];
            groups3[d] = global3[d] / local3[d];
        }
        return new Grid(global3, local3, groups3);
    }

    private static void checkDimension(long[] global, int[] local, int d) {
        String sizes = "global size " + Arrays.toString(global) + " and local size " + Arrays.toString(local);
        if (local[d] < 1 || global[d] < 0) {
            throw new LorisException("invalid kernel grid: " + sizes + " (local sizes must be at least 1, global "
                    + "sizes at least 0)", "check the size computation");
        }
        if (global[d] > Integer.MAX_VALUE) {
            throw new LorisException("invalid kernel grid: " + sizes + ": global size in " + AXES[d] + " exceeds "
                    + Integer.MAX_VALUE + ", the largest int id", "split the work over another dimension or a loop");
        }
        if (global[d] % local[d] != 0) {
            long rounded = (global[d] / local[d] + 1) * local[d];
            throw new LorisException("invalid kernel grid: global size " + global[d] + " in " + AXES[d]
                    + " is not a multiple of local size " + local[d] + " (" + sizes + ")",
                    "round the global size up to " + rounded + " and skip the extra work-items in the kernel");
        }
    }

    long groupCount() {
        return (long) groups[0] * groups[1] * groups[2];
    }

    int groupSize() {
        return local[0] * local[1] * local[2];
    }

    /** Fills the sizes and the group ids of linear group {@code group} into {@code item}. */
    void placeGroup(KernelContext item, long group) {
        item.globalGroupSizeX = global[0];
        item.globalGroupSizeY = global[1];
        item.globalGroupSizeZ = global[2];
        item.localGroupSizeX = local[0];
        item.localGroupSizeY = local[1];
        item.localGroupSizeZ = local[2];
        item.groupIdx = (int) (group % groups[0]);
        item.groupIdy = (int) (group / groups[0] % groups[1]);
        item.groupIdz = (int) (group / groups[0] / groups[1]);
    }

    /** Fills the local and global ids of linear local id {@code linear}; the group must be placed already. */
    void placeItem(KernelContext item, int linear) {
        placeItem(item, linear % local[0], linear / local[0] % local[1], linear / local[0] / local[1]);
    }

    /** Fills the local ids (x, y, z) and the global ids; the group must be placed already. */
    void placeItem(KernelContext item, int x, int y, int z) {
        item.localIdx = x;
        item.localIdy = y;
        item.localIdz = z;
        item.globalIdx = item.groupIdx * local[0] + x;
        item.globalIdy = item.groupIdy * local[1] + y;
        item.globalIdz = item.groupIdz * local[2] + z;
    }

    /** The linear local id of a placed work-item (x fastest). */
    static int linearLocalId(KernelContext item) {
        return item.localIdx + item.localGroupSizeX * (item.localIdy + item.localGroupSizeY * item.localIdz);
    }

    static String describeItem(KernelContext item) {
        return "work-item global (" + item.globalIdx + ", " + item.globalIdy + ", " + item.globalIdz + "), local ("
                + item.localIdx + ", " + item.localIdy + ", " + item.localIdz + ") of group " + describeGroup(item);
    }

    static String describeGroup(KernelContext item) {
        return "(" + item.groupIdx + ", " + item.groupIdy + ", " + item.groupIdz + ")";
    }

    /** Group id of linear group {@code group} as "(x, y, z)". */
    String describeGroup(long group) {
        long rows = group / groups[0];
        return "(" + group % groups[0] + ", " + rows % groups[1] + ", " + rows / groups[1] + ")";
    }

    /** Local id of linear local id {@code linear} as "(x, y, z)". */
    String describeLocal(int linear) {
        int rows = linear / local[0];
        return "(" + linear % local[0] + ", " + rows % local[1] + ", " + rows / local[1] + ")";
    }
}
