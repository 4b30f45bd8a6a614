package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Cooperation;

/** Every case of {@link JvmKernelRunnerFailureTest} with a virtual thread per cooperative work-item (the fallback). */
class JvmKernelRunnerFailureVirtualThreadsTest extends JvmKernelRunnerFailureTest {
    @Override
    Cooperation cooperation() {
        return Cooperation.VIRTUAL_THREADS;
    }
}
