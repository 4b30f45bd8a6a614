package dev.loris.tornado.runtime.opencl;

/** Hand-written OpenCL C for the runtime tests, in one program so each test class builds it once. */
final class TestKernels {
    static final String SOURCE = """
            __kernel void vectorAdd(__global const float* a, __global const float* b, __global float* c, int n) {
                int i = get_global_id(0);
                if (i < n) {
                    c[i] = a[i] + b[i];
                }
            }

            // One work-group per row: strided partial sums, then a tree reduction in local memory.
            __kernel void rowSum(__global const float* m, __global float* sums, int cols, __local float* partial) {
                int row = get_group_id(0);
                int lid = get_local_id(0);
                int size = get_local_size(0);
                float acc = 0.0f;
                for (int c = lid; c < cols; c += size) {
                    acc += m[row * cols + c];
                }
                partial[lid] = acc;
                barrier(CLK_LOCAL_MEM_FENCE);
                for (int stride = size / 2; stride > 0; stride /= 2) {
                    if (lid < stride) {
                        partial[lid] += partial[lid + stride];
                    }
                    barrier(CLK_LOCAL_MEM_FENCE);
                }
                if (lid == 0) {
                    sums[row] = partial[0];
                }
            }

            // Writes each work-item's 3-D index, to check every dimension of a launch reaches the kernel.
            __kernel void indexCube(__global long* out, long offset) {
                size_t x = get_global_id(0), y = get_global_id(1), z = get_global_id(2);
                size_t nx = get_global_size(0), ny = get_global_size(1);
                out[(z * ny + y) * nx + x] = offset + (long) (x + 1000 * y + 1000000 * z);
            }

            // Enough arithmetic per item that a launch takes measurable device time.
            __kernel void busy(__global float* out, int rounds, float scale) {
                int i = get_global_id(0);
                float v = (float) i;
                for (int r = 0; r < rounds; r++) {
                    v = v * scale + 1.0f;
                }
                out[i] = v;
            }
            """;

    private TestKernels() {
    }
}
