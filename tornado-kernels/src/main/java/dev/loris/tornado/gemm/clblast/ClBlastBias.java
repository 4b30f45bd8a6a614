package dev.loris.tornado.gemm.clblast;

import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.api.types.arrays.FloatArray;
import dev.loris.tornado.gemm.GemmShape;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.DeviceArray;
import dev.loris.tornado.runtime.DeviceStream;
import dev.loris.tornado.runtime.KernelLaunch;

/**
 * The bias epilogue CLBlast lacks: after the GEMM, {@code C[b][r][c] += bias[c]} by one small kernel of ours
 * on the same in-order queue. The sum rounds once more in f32 than cuBLASLt's fused epilogue does (at most
 * half an f32 ulp of the result more), which GemmShape's f32 accumulation bound absorbs.
 *
 * <p>The kernel is compiled once per accelerator (Accelerator caches it) and the launcher once per Gemm, so
 * an epilogue allocates nothing. Grid: x over columns, y over rows, z over batches, each a grid-stride loop,
 * so any grid covers any shape; the grid below is capped to keep launches small for small shapes.
 */
final class ClBlastBias {
    private static final int LOCAL_X = 64;

    private final KernelLaunch launch;

    ClBlastBias(Accelerator accelerator) {
        this.launch = accelerator.compile(ClBlastBias.class, "addBias", java.util.Map.of()).launcher();
    }

    /** Queues {@code C += bias} (broadcast over rows and batches) for {@code shape}'s C at {@code offsetC}. */
    void add(GemmShape shape, DeviceArray c, long offsetC, DeviceArray bias, DeviceStream stream) {
        launch.set(1, c).set(2, offsetC).set(3, shape.m()).set(4, shape.n()).set(5, shape.ldc())
                .set(6, shape.batch()).set(7, shape.strideC()).set(8, bias);
        long globalX = Math.min(roundUp(shape.n(), LOCAL_X), 64L * LOCAL_X);
        long globalY = Math.min(shape.m(), 1024);
        long globalZ = Math.min(shape.batch(), 64);
        launch.launch(globalX, globalY, globalZ, LOCAL_X, 1, 1, stream);
    }

    private static long roundUp(long value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /** The kernel: every work-item adds the bias to the columns, rows and batches its strides reach. */
    static void addBias(KernelContext ctx, FloatArray c, long offsetC, int rows, int cols, long ldc, int batch,
                        long strideC, FloatArray bias) {
        for (int b = ctx.globalIdz; b < batch; b += ctx.globalGroupSizeZ) {
            for (int r = ctx.globalIdy; r < rows; r += ctx.globalGroupSizeY) {
                long rowStart = offsetC + b * strideC + r * ldc;
                for (int col = ctx.globalIdx; col < cols; col += ctx.globalGroupSizeX) {
                    c.set(rowStart + col, c.get(rowStart + col) + bias.get(col));
                }
            }
        }
    }
}
