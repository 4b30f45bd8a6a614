package dev.loris.tornado.runtime;

import dev.loris.LorisException;
import dev.loris.tornado.runtime.cuda.CudaAccelerator;
import dev.loris.tornado.runtime.jvm.JvmAccelerator;
import dev.loris.tornado.runtime.opencl.OpenClAccelerator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The accelerator specs a user writes ({@code --device cuda:1}) and what they open. OpenCL devices are
 * numbered over all platforms in order, as {@link Backends#probeOpenCl()} lists them; CUDA devices by the
 * driver's ordinal. Every failure names the spec and lists what this machine has.
 */
final class AcceleratorSpecs {
    static final String FORMS = "jvm, opencl, opencl:N, cuda, cuda:N or auto";

    private AcceleratorSpecs() {
    }

    static Accelerator open(String spec) {
        String normalised = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        try {
            return openNormalised(normalised);
        } catch (LorisException e) {
            if (e instanceof UnknownSpec) {
                throw e;
            }
            throw new LorisException("cannot open accelerator '" + spec + "': " + e.getMessage(),
                    (e.hint().isEmpty() ? "" : e.hint() + "; ") + "this machine has " + describeAvailable(), e);
        }
    }

    private static Accelerator openNormalised(String spec) {
        return switch (spec) {
            case "jvm" -> new JvmAccelerator();
            case "auto" -> openAuto();
            case "cuda" -> CudaAccelerator.open(0);
            case "opencl" -> OpenClAccelerator.openAt(preferredOpenClIndex());
            default -> {
                if (spec.startsWith("cuda:")) {
                    yield CudaAccelerator.open(index(spec, "cuda:"));
                }
                if (spec.startsWith("opencl:")) {
                    yield OpenClAccelerator.openAt(index(spec, "opencl:"));
                }
                throw new UnknownSpec(spec);
            }
        };
    }

    /** CUDA device 0 if there is one, else the first OpenCL GPU, else the JVM. */
    private static Accelerator openAuto() {
        if (Backends.probeCuda().available()) {
            return CudaAccelerator.open(0);
        }
        List<DeviceInfo> openCl = Backends.probeOpenCl().devices();
        for (int i = 0; i < openCl.size(); i++) {
            if (openCl.get(i).kind().equals("gpu")) {
                return OpenClAccelerator.openAt(i);
            }
        }
        return new JvmAccelerator();
    }

    /** The first OpenCL GPU over all platforms, else device 0. */
    private static int preferredOpenClIndex() {
        List<DeviceInfo> devices = Backends.probeOpenCl().devices();
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i).kind().equals("gpu")) {
                return i;
            }
        }
        return 0;
    }

    private static int index(String spec, String prefix) {
        try {
            int index = Integer.parseInt(spec.substring(prefix.length()));
            if (index >= 0) {
                return index;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new UnknownSpec(spec);
    }

    static List<String> available() {
        List<String> specs = new ArrayList<>();
        specs.add("jvm");
        List<DeviceInfo> openCl = Backends.probeOpenCl().devices();
        for (int i = 0; i < openCl.size(); i++) {
            specs.add("opencl:" + i);
        }
        for (DeviceInfo cuda : Backends.probeCuda().devices()) {
            specs.add("cuda:" + cuda.index());
        }
        return List.copyOf(specs);
    }

    /** "jvm, opencl:0 (pthread-AMD EPYC, cpu), cuda:0 (NVIDIA H100, gpu)". */
    static String describeAvailable() {
        List<String> parts = new ArrayList<>();
        parts.add("jvm");
        List<DeviceInfo> openCl = Backends.probeOpenCl().devices();
        for (int i = 0; i < openCl.size(); i++) {
            parts.add("opencl:" + i + " (" + openCl.get(i).name() + ", " + openCl.get(i).kind() + ")");
        }
        for (DeviceInfo cuda : Backends.probeCuda().devices()) {
            parts.add("cuda:" + cuda.index() + " (" + cuda.name() + ")");
        }
        return String.join(", ", parts);
    }

    /** A spec of no known form. */
    private static final class UnknownSpec extends dev.loris.InvalidSettingException {
        UnknownSpec(String spec) {
            super("unknown accelerator '" + spec + "'", "write " + FORMS + "; this machine has " + describeAvailable());
        }
    }
}
