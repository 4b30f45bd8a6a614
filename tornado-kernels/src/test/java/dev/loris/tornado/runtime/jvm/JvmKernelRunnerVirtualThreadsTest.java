package dev.loris.tornado.runtime.jvm;

import dev.loris.tornado.runtime.jvm.JvmKernelRunner.Cooperation;

/** Every case of {@link JvmKernelRunnerTest} with a virtual thread per cooperative work-item (the fallback). */
class JvmKernelRunnerVirtualThreadsTest extends JvmKernelRunnerTest {
    @Override
    Cooperation cooperation() {
        return Cooperation.VIRTUAL_THREADS;
    }
}
