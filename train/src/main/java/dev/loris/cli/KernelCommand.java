package dev.loris.cli;

import dev.loris.InvalidSettingException;
import dev.loris.LorisException;
import dev.loris.tornado.compiler.KernelCompiler;
import dev.loris.tornado.compiler.ir.Graph;
import dev.loris.tornado.compiler.opencl.OpenClEmitter;
import dev.loris.tornado.compiler.opencl.OpenClWarps;
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
 * (division-by-zero checks and their hidden parameters included). Without {@code --device} that is what an
 * H100 (sm_90; {@code --arch} picks another compute capability) or an OpenCL device without sub-group
 * shuffles compiles; with it, the text the named device built. Constants are checked as
 * {@code Accelerator.compile} checks them: a value outside its parameter's type is an error. For reading what
 * the compiler did (teaching, performance work) without a GPU.
 */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "Print the PTX or OpenCL C compiled from a Java kernel method.")
final class KernelCommand implements Runnable {
    /** Work-group limit assumed for OpenCL simd exchanges through local memory without --device. */
    private static final int DEFAULT_OPENCL_GROUP_LIMIT = 1024;

    @Parameters(index = "0", description = "Class holding the kernel, e.g. dev.loris.tornado.kernels.RmsNorm")
    String className;

    @Parameters(index = "1", description = "Static kernel method, e.g. forwardBf16Packed")
    String methodName;

    @Option(names = "--target", defaultValue = "ptx", description = "ptx or opencl (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--arch", defaultValue = "sm_90",
            description = "PTX target, as a CUDA device of that compute capability gets it (default: ${DEFAULT-VALUE}, "
                    + "an H100; sm_80 for an A100)")
    String arch;

    @Option(names = "--device", paramLabel = "SPEC",
            description = "Compile on this device (cuda, cuda:N, opencl, opencl:N) and print what it built")
    String device;

    @Option(names = "--constant", paramLabel = "INDEX=VALUE",
            description = "Fix the scalar parameter at INDEX (0 is the first parameter) to VALUE; repeatable.")
    Map<Integer, String> constants = new HashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        Method kernel = Accelerator.findKernel(load(className), methodName);
        Map<Integer, Object> parsed = new HashMap<>();
        constants.forEach((index, text) -> parsed.put(index, parse(kernel, index, text)));
        Map<Integer, Object> fixed = Accelerator.checkedConstants(kernel, parsed);
        String code = device != null ? onDevice(kernel, fixed) : switch (target) {
            case "ptx" -> PtxEmitter.emit(KernelCompiler.devicePtxGraph(kernel, fixed),
                    new PtxEmitter.Options(checkedArch(), false));
            case "opencl" -> {
                Graph graph = KernelCompiler.deviceOpenClGraph(kernel, fixed);
                yield OpenClEmitter.emit(graph, false, OpenClEmitter.usesSimd(graph)
                        ? OpenClWarps.localMemory(DEFAULT_OPENCL_GROUP_LIMIT) : OpenClWarps.UNAVAILABLE);
            }
            default -> throw new InvalidSettingException("unknown --target " + target, "use ptx or opencl");
        };
        spec.commandLine().getOut().print(code);
        spec.commandLine().getOut().flush();
    }

    /** What the accelerator {@code device} built: its own source text, whatever its capabilities chose. */
    private String onDevice(Method kernel, Map<Integer, Object> fixed) {
        if (!device.startsWith("cuda") && !device.startsWith("opencl")) {
            throw new InvalidSettingException("--device " + device + " compiles no text", "use cuda, cuda:N, opencl or opencl:N");
        }
        try (Accelerator accelerator = Accelerator.open(device)) {
            return accelerator.compile(kernel, fixed).source();
        }
    }

    private String checkedArch() {
        if (!arch.matches("sm_\\d{2,3}") || Integer.parseInt(arch.substring(3)) > PtxEmitter.NEWEST_TARGET) {
            throw new InvalidSettingException("--arch " + arch + " is not a PTX target Loris writes",
                    "use sm_NN up to sm_" + PtxEmitter.NEWEST_TARGET + " (newer GPUs get sm_"
                            + PtxEmitter.NEWEST_TARGET + ")");
        }
        return arch;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new InvalidSettingException("no class " + name + " on the class path",
                    "give the fully qualified name of a class in Loris' jars or on -cp");
        }
    }

    /** {@code text} as a value of parameter {@code index}'s exact Java type (a byte stays within a byte). */
    private static Object parse(Method kernel, int index, String text) {
        Class<?>[] types = kernel.getParameterTypes();
        if (index < 0 || index >= types.length) {
            throw new InvalidSettingException("--constant " + index + "=" + text + ": " + kernel.getName() + " has "
                    + types.length + " parameters", "indexes count from 0, the KernelContext included");
        }
        try {
            return switch (types[index].getName()) {
                case "int" -> Integer.parseInt(text);
                case "short" -> Short.parseShort(text);
                case "byte" -> Byte.parseByte(text);
                case "char" -> parseChar(text);
                case "long" -> Long.parseLong(text);
                case "float" -> Float.parseFloat(text);
                case "double" -> Double.parseDouble(text);
                case "boolean" -> switch (text) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new NumberFormatException(text);
                };
                default -> throw new InvalidSettingException("--constant " + index + ": parameter " + index + " is a "
                        + types[index].getSimpleName(), "only scalar parameters can be fixed");
            };
        } catch (NumberFormatException e) {
            throw new InvalidSettingException("--constant " + index + "=" + text + " is not a " + types[index].getName()
                    + " value", "write a value of the parameter's type as Java would (a byte is -128..127)");
        }
    }

    /** A char constant: one character, or its code 0..65535. */
    private static Character parseChar(String text) {
        if (text.length() == 1 && !Character.isDigit(text.charAt(0))) {
            return text.charAt(0);
        }
        int code = Integer.parseInt(text);
        if (code < Character.MIN_VALUE || code > Character.MAX_VALUE) {
            throw new NumberFormatException(text);
        }
        return (char) code;
    }
}
