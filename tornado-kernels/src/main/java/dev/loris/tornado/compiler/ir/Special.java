package dev.loris.tornado.compiler.ir;

/**
 * The thread and grid indices a kernel reads from its KernelContext, per dimension (0 = x, 1 = y, 2 = z).
 * PTX and OpenCL spell them differently; the meaning is OpenCL's (global sizes count work-items).
 */
public enum Special {
    GLOBAL_ID, LOCAL_ID, GROUP_ID, GLOBAL_SIZE, LOCAL_SIZE, GROUP_COUNT
}
