package dev.loris.tornado.host;

import java.lang.reflect.Method;
import java.util.List;

/** One step of a task graph, in the order the graph was built: a transfer, or a kernel launch. */
sealed interface GraphStep {
    /** Copies {@code arrays} host to device ({@code toDevice}) or device to host, in {@code mode}. */
    record Transfer(boolean toDevice, int mode, List<Object> arrays) implements GraphStep {
    }

    /** Launches {@code kernel} with {@code arguments} in Java parameter order (KernelContext included). */
    record Task(String id, Method kernel, List<Object> arguments) implements GraphStep {
    }

    /** Declares arrays the graph uses from the device as earlier graphs left them: no copy, but they must exist. */
    record Consume(List<Object> arrays) implements GraphStep {
    }
}
