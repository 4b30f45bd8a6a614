package dev.loris.tornado.host;

import dev.loris.LorisException;
import dev.loris.tornado.api.KernelContext;
import dev.loris.tornado.host.common.TornadoFunctions;
import dev.loris.tornado.host.enums.DataTransferMode;
import dev.loris.tornado.api.types.arrays.TornadoNativeArray;

import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A sequence of transfers and kernel launches (TornadoVM's name and builder methods), frozen by
 * {@link #snapshot()} and run by a {@link TornadoExecutionPlan}:
 * <pre>{@code
 * TaskGraph graph = new TaskGraph("s0")
 *         .transferToDevice(DataTransferMode.FIRST_EXECUTION, x, y)
 *         .task("t0", Kernels::axpy, new KernelContext(), 2f, x, y, out, n)
 *         .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
 * }</pre>
 * Steps run in the order they were added. Task arguments are Loris arrays (the plan keeps one device copy
 * per array, by identity, shared by all the plan's graphs), boxed scalars, and a KernelContext where the
 * kernel takes one (skipped at launch). Scalars are fixed when the task is added, so the plan compiles the
 * kernel with them as constants, as TornadoVM specialises on them. Each task needs a worker grid in the
 * plan's {@link GridScheduler}: Loris runs KernelContext kernels only, not {@code @Parallel} loops.
 */
public final class TaskGraph {
    private final String name;
    private final List<GraphStep> steps = new ArrayList<>();
    private final Set<String> taskIds = new HashSet<>();

    public TaskGraph(String name) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new LorisException("invalid task graph name '" + name + "'",
                    "name it with letters and digits, without dots (tasks are addressed as graph.task)");
        }
        this.name = name;
    }

    public String getTaskGraphName() {
        return name;
    }

    /** Copies {@code arrays} from host to device in {@code mode} (a {@link DataTransferMode} constant). */
    public TaskGraph transferToDevice(int mode, Object... arrays) {
        if (checkMode(mode) == DataTransferMode.UNDER_DEMAND) {
            throw new LorisException("task graph " + name + ": transferToDevice cannot be UNDER_DEMAND",
                    "copy to the device at the FIRST_EXECUTION or at EVERY_EXECUTION");
        }
        steps.add(new GraphStep.Transfer(true, mode, arrays("transferToDevice", arrays)));
        return this;
    }

    /** Copies {@code arrays} from device to host in {@code mode}; UNDER_DEMAND leaves it to the result. */
    public TaskGraph transferToHost(int mode, Object... arrays) {
        steps.add(new GraphStep.Transfer(false, checkMode(mode), arrays("transferToHost", arrays)));
        return this;
    }

    /** Keeps {@code arrays} on the device for later graphs; the same as transferToHost UNDER_DEMAND. */
    public TaskGraph persistOnDevice(Object... arrays) {
        return transferToHost(DataTransferMode.UNDER_DEMAND, arrays);
    }

    /** Uses {@code arrays} as an earlier graph of the plan left them on the device (no copy; they must be there). */
    public TaskGraph consumeFromDevice(Object... arrays) {
        steps.add(new GraphStep.Consume(arrays("consumeFromDevice", arrays)));
        return this;
    }

    /** TornadoVM's form naming the producing graph; device copies are shared plan-wide, so the name is not needed. */
    public TaskGraph consumeFromDevice(String graphName, Object... arrays) {
        return consumeFromDevice(arrays);
    }

    public ImmutableTaskGraph snapshot() {
        return new ImmutableTaskGraph(name, List.copyOf(steps));
    }

    public <T1> TaskGraph task(String id, TornadoFunctions.Task1<T1> code, T1 arg1) {
        return addTask(id, code, arg1);
    }

    public <T1, T2> TaskGraph task(String id, TornadoFunctions.Task2<T1, T2> code, T1 arg1, T2 arg2) {
        return addTask(id, code, arg1, arg2);
    }

    public <T1, T2, T3> TaskGraph task(
            String id, TornadoFunctions.Task3<T1, T2, T3> code, T1 arg1, T2 arg2, T3 arg3) {
        return addTask(id, code, arg1, arg2, arg3);
    }

    public <T1, T2, T3, T4> TaskGraph task(
            String id, TornadoFunctions.Task4<T1, T2, T3, T4> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4) {
        return addTask(id, code, arg1, arg2, arg3, arg4);
    }

    public <T1, T2, T3, T4, T5> TaskGraph task(
            String id, TornadoFunctions.Task5<T1, T2, T3, T4, T5> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5);
    }

    public <T1, T2, T3, T4, T5, T6> TaskGraph task(
            String id, TornadoFunctions.Task6<T1, T2, T3, T4, T5, T6> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4,
            T5 arg5, T6 arg6) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6);
    }

    public <T1, T2, T3, T4, T5, T6, T7> TaskGraph task(
            String id, TornadoFunctions.Task7<T1, T2, T3, T4, T5, T6, T7> code, T1 arg1, T2 arg2, T3 arg3, T4 arg4,
            T5 arg5, T6 arg6, T7 arg7) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8> TaskGraph task(
            String id, TornadoFunctions.Task8<T1, T2, T3, T4, T5, T6, T7, T8> code, T1 arg1, T2 arg2, T3 arg3,
            T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9> TaskGraph task(
            String id, TornadoFunctions.Task9<T1, T2, T3, T4, T5, T6, T7, T8, T9> code, T1 arg1, T2 arg2, T3 arg3,
            T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> TaskGraph task(
            String id, TornadoFunctions.Task10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> code, T1 arg1, T2 arg2,
            T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> TaskGraph task(
            String id, TornadoFunctions.Task11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> code, T1 arg1, T2 arg2,
            T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> TaskGraph task(
            String id, TornadoFunctions.Task12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> code, T1 arg1,
            T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> TaskGraph task(
            String id, TornadoFunctions.Task13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> code, T1 arg1,
            T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11, T12 arg12,
            T13 arg13) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> TaskGraph task(
            String id, TornadoFunctions.Task14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> code,
            T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11,
            T12 arg12, T13 arg13, T14 arg14) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13,
                arg14);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> TaskGraph task(
            String id, TornadoFunctions.Task15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> code,
            T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5, T6 arg6, T7 arg7, T8 arg8, T9 arg9, T10 arg10, T11 arg11,
            T12 arg12, T13 arg13, T14 arg14, T15 arg15) {
        return addTask(id, code, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8, arg9, arg10, arg11, arg12, arg13,
                arg14, arg15);
    }

    private TaskGraph addTask(String id, Serializable code, Object... arguments) {
        if (id == null || id.isBlank() || id.contains(".") || !taskIds.add(id)) {
            throw new LorisException("task graph " + name + ": invalid or repeated task id '" + id + "'",
                    "give each task of a graph its own name, without dots");
        }
        Method kernel = KernelReferences.kernelOf(code, name + "." + id);
        if (kernel.getParameterCount() != arguments.length) {
            throw new LorisException("task " + name + "." + id + ": kernel " + kernel.getName() + " takes "
                    + kernel.getParameterCount() + " parameters, the task passes " + arguments.length,
                    "pass one argument per parameter, a new KernelContext() for the context");
        }
        Class<?>[] parameters = kernel.getParameterTypes();
        for (int i = 0; i < arguments.length; i++) {
            Object argument = arguments[i];
            if (argument == null || !accepts(parameters[i], argument)) {
                throw new LorisException("task " + name + "." + id + " argument " + i + " is "
                        + (argument == null ? "null" : "a " + argument.getClass().getSimpleName()) + ", but kernel "
                        + kernel.getDeclaringClass().getSimpleName() + "." + kernel.getName() + " takes a "
                        + parameters[i].getSimpleName() + " there",
                        "pass Loris arrays and scalars of the parameter's type, a KernelContext for the context");
            }
        }
        steps.add(new GraphStep.Task(id, kernel, List.of(arguments)));
        return this;
    }

    /** Whether {@code argument} can be passed for a kernel parameter of type {@code parameter}. */
    private static boolean accepts(Class<?> parameter, Object argument) {
        if (parameter == KernelContext.class || TornadoNativeArray.class.isAssignableFrom(parameter)) {
            return argument.getClass() == parameter;
        }
        return parameter == int.class && argument instanceof Integer
                || parameter == long.class && (argument instanceof Long || argument instanceof Integer)
                || parameter == float.class && argument instanceof Float
                || parameter == double.class && (argument instanceof Double || argument instanceof Float)
                || parameter == boolean.class && argument instanceof Boolean
                || parameter == byte.class && argument instanceof Byte
                || parameter == short.class && argument instanceof Short
                || parameter == char.class && argument instanceof Character;
    }

    private List<Object> arrays(String operation, Object[] arrays) {
        for (Object array : arrays) {
            if (!(array instanceof TornadoNativeArray)) {
                throw new LorisException("task graph " + name + ": " + operation + " got "
                        + (array == null ? "null" : "a " + array.getClass().getName()),
                        "transfers move Loris arrays (FloatArray, IntArray, ...) only");
            }
        }
        return List.of(arrays);
    }

    private int checkMode(int mode) {
        if (mode < DataTransferMode.FIRST_EXECUTION || mode > DataTransferMode.UNDER_DEMAND) {
            throw new LorisException("task graph " + name + ": unknown transfer mode " + mode,
                    "use DataTransferMode.FIRST_EXECUTION, EVERY_EXECUTION or UNDER_DEMAND");
        }
        return mode;
    }
}
