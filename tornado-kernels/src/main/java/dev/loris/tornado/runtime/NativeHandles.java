package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.cuda.CudaAccelerator;
import dev.loris.tornado.runtime.cuda.CudaDeviceArray;
import dev.loris.tornado.runtime.cuda.CudaDeviceStream;
import dev.loris.tornado.runtime.jvm.JvmDeviceArray;
import dev.loris.tornado.runtime.opencl.OpenClAccelerator;
import dev.loris.tornado.runtime.opencl.OpenClDeviceArray;

import java.lang.foreign.MemorySegment;

/**
 * The driver handles behind accelerator objects, for native libraries that work on the same memory and
 * queues as our kernels (cuBLASLt, CLBlast, later NCCL). Handles are borrowed: valid while the owning
 * accelerator, array or stream is open, never to be released by the caller. Asking a JVM accelerator for a
 * CUDA handle (and so on) is an error naming both.
 */
public final class NativeHandles {
    private NativeHandles() {
    }

    /** The CUdeviceptr of element 0 of a CUDA array (or view). */
    public static long cudaPointer(DeviceArray array) {
        return as(CudaDeviceArray.class, array, "a CUDA device pointer").address();
    }

    /** The CUstream of a CUDA stream. */
    public static MemorySegment cudaStream(DeviceStream stream) {
        return as(CudaDeviceStream.class, stream, "a CUstream").cudaStream().handle();
    }

    /** Makes the accelerator's CUDA (primary) context current on the calling thread, as CUDA libraries need. */
    public static void makeCudaContextCurrent(Accelerator accelerator) {
        as(CudaAccelerator.class, accelerator, "a CUDA context").device().makeCurrent();
    }

    /** The facts of a CUDA accelerator's device (compute capability, shared memory limits, ...). */
    public static dev.loris.tornado.runtime.cuda.CudaDeviceProperties cudaDeviceProperties(Accelerator accelerator) {
        return as(CudaAccelerator.class, accelerator, "CUDA device properties").device().properties();
    }

    /** The cl_mem of an OpenCL array (or view; views start at offset 0 of the same buffer). */
    public static MemorySegment openClBuffer(DeviceArray array) {
        return as(OpenClDeviceArray.class, array, "an OpenCL buffer").buffer().handle();
    }

    /** The accelerator's in-order cl_command_queue (OpenCL accelerators have one queue: every stream is it). */
    public static MemorySegment openClQueue(Accelerator accelerator) {
        return as(OpenClAccelerator.class, accelerator, "an OpenCL queue").device().queue();
    }

    public static MemorySegment openClContext(Accelerator accelerator) {
        return as(OpenClAccelerator.class, accelerator, "an OpenCL context").device().contextHandle();
    }

    public static MemorySegment openClDevice(Accelerator accelerator) {
        return as(OpenClAccelerator.class, accelerator, "an OpenCL device").device().deviceHandle();
    }

    /** The host memory of a JVM accelerator's array. */
    public static MemorySegment jvmSegment(DeviceArray array) {
        return as(JvmDeviceArray.class, array, "host memory").array().getSegment();
    }

    private static <T> T as(Class<T> type, Object owner, String what) {
        if (!type.isInstance(owner)) {
            throw new LorisException("asked " + owner + " for " + what,
                    "native handles exist only on their own backend; check the accelerator's backend() first");
        }
        return type.cast(owner);
    }
}
