package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.ptx.PtxEmitter;
import dev.loris.tornado.runtime.Accelerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code loris kernel CLASS METHOD}: prints the PTX or OpenCL C that Loris' compiler makes of a kernel on the
 * class path, optionally with scalar parameters fixed to constants, exactly as the accelerators compile it
 * (division-by-zero checks and their hidden parameters included). For
 * reading what the compiler did (teaching, performance work) without a GPU.
 */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "Print the PTX or OpenCL C compiled from a Java kernel method.")
final class KernelCommand implements Runnable {

    @Parameters(index = "0", description = "Class holding the kernel, e.g. dev.loris.tornado.kernels.RmsNorm")
    String className;

    @Parameters(index = "1", description = "Static kernel method, e.g. forwardBf16Packed")
    String methodName;

    @Option(names = "--target", defaultValue = "ptx", description = "ptx or opencl (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--constant", paramLabel = "INDEX=VALUE",
            description = "Fix the scalar parameter at INDEX (0 is the first parameter) to VALUE; repeatable.")
    Map<Integer, String> constants = new HashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Method kernel = Accelerator.findKernel(load(className), methodName);
        Map<Integer, Object> fixed = new HashMap<>();
        constants.forEach((index, text) -> fixed.put(index, parse(kernel, index, text)));
        String code = switch (target) {
            case "ptx" -> PtxEmitter.emit(KernelCompiler.devicePtxGraph(kernel, fixed), PtxEmitter.Options.DEFAULT);
            case "opencl" -> OpenClEmitter.emit(KernelCompiler.deviceOpenClGraph(kernel, fixed));
            default -> throw new LorisException("unknown --target " + target, "use ptx or opencl");
        };
        spec.commandLine().getOut().print(code);
        spec.commandLine().getOut().flush();
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new LorisException("no class " + name + " on the class path",
                    "give the fully qualified name of a class in Loris' jars or on -cp");
        }
    }

    private static Object parse(Method kernel, int index, String text) {
        Class<?>[] types = kernel.getParameterTypes();
        if (index < 0 || index >= types.length) {
            throw new LorisException("--constant " + index + "=" + text + ": " + kernel.getName() + " has "
                    + types.length + " parameters", "indexes count from 0, the KernelContext included");
        }
        try {
            return switch (types[index].getName()) {
                case "int", "short", "byte", "char" -> Integer.parseInt(text);
                case "long" -> Long.parseLong(text);
                case "float" -> Float.parseFloat(text);
                case "double" -> Double.parseDouble(text);
                case "boolean" -> Boolean.parseBoolean(text);
                default -> throw new LorisException("--constant " + index + ": parameter " + index + " is a "
                        + types[index].getSimpleName(), "only scalar parameters can be fixed");
            };
        } catch (NumberFormatException e) {
            throw new LorisException("--constant " + index + "=" + text + " is not a " + types[index].getName(),
                    "write the value as Java would");
        }
    }
}
