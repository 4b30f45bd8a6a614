package dev.loris.cli;

import dev.loris.LorisException;
import dev.loris.tornado.gemm.GemmBackend;
import dev.loris.tornado.gemm.Gemms;
import dev.loris.tornado.runtime.Accelerator;
import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.Backends;
import dev.loris.tornado.runtime.DeviceInfo;
import dev.loris.tornado.runtime.SignalHandlers;
import dev.loris.tornado.runtime.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code loris devices}: every backend Loris can run kernels on, each device with its memory, and for each
 * backend that is missing the reason and what to install; then, per device, the matrix-multiply backend
 * Loris would use and why the others cannot serve it. Asking a GEMM backend needs the device open, which
 * is cheap (a context, no memory, no kernels); no GEMM backend is opened.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the JVM, OpenCL and CUDA devices Loris can use, why a backend is missing, and the"
                + " matrix-multiply backend each device would use.")
final class DevicesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        print(Backends.probeAll(), out);
        printGemm(gemmChoices(), out);
        printSignals(out);
    }

    /** Who handles the JVM's signals now that the drivers are loaded (see {@link SignalHandlers}). */
    static void printSignals(PrintWriter out) {
        var owners = SignalHandlers.owners();
        if (owners.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder();
        owners.forEach((signal, owner) -> line.append(line.isEmpty() ? "" : ", ").append(signal).append(' ').append(owner));
        out.printf("signals %s; %s%n", line,
                SignalHandlers.chained() ? "chained through libjsig" : "not chained (no libjsig)");
        String warning = SignalHandlers.warning();
        if (warning != null) {
            out.printf("  warning: %s%n", warning);
        }
        out.flush();
    }

    /**
     * What Gemms would do on one device: the backends that serve it, most preferred first (the first is
     * Gemms.best's choice, the others take the shapes it lacks), the reasons of those that do not, or why
     * the device could not be opened to ask.
     */
    record GemmChoice(String spec, List<String> serving, Map<String, String> unavailable, String openFailure) {
    }

    static List<GemmChoice> gemmChoices() {
        List<GemmChoice> choices = new ArrayList<>();
        for (String device : Accelerator.available()) {
            try (Accelerator accelerator = Accelerator.open(device)) {
                List<String> serving = Gemms.available(accelerator).stream().map(GemmBackend::id).toList();
                choices.add(new GemmChoice(device, serving, Gemms.unavailable(accelerator), null));
            } catch (LorisException e) {
                choices.add(new GemmChoice(device, List.of(), Map.of(), e.userMessage()));
            }
        }
        return choices;
    }

    static void printGemm(List<GemmChoice> choices, PrintWriter out) {
        out.println("GEMM    backend per device (then the fallbacks for shapes it lacks)");
        int width = choices.stream().mapToInt(c -> c.spec().length()).max().orElse(0);
        for (GemmChoice choice : choices) {
            String chosen;
            if (choice.openFailure() != null) {
                chosen = "cannot open: " + choice.openFailure();
            } else if (choice.serving().isEmpty()) {
                chosen = "none";
            } else {
                chosen = choice.serving().getFirst() + (choice.serving().size() == 1 ? ""
                        : " (then " + String.join(", ", choice.serving().subList(1, choice.serving().size())) + ")");
            }
            out.printf("  %-" + width + "s  %s%n", choice.spec(), chosen);
            for (Map.Entry<String, String> reason : choice.unavailable().entrySet()) {
                out.printf("  %-" + width + "s    %s: %s%n", "", reason.getKey(), reason.getValue());
            }
        }
        out.flush();
    }

    static void print(List<BackendStatus> statuses, PrintWriter out) {
        for (BackendStatus status : statuses) {
            if (!status.available()) {
                out.printf("%-7s missing: %s%n", status.backend(), status.missingReason());
            } else {
                out.printf("%-7s %s%n", status.backend(), status.version());
                String platform = null;
                for (DeviceInfo device : status.devices()) {
                    if (!device.platform().isEmpty() && !device.platform().equals(platform)
                            && status.backend().equals("OpenCL")) {
                        platform = device.platform();
                        out.printf("  platform %s%n", platform);
                    }
                    String indent = status.backend().equals("OpenCL") ? "    " : "  ";
                    out.printf("%s[%d] %s (%s), %s; %s%n", indent, device.index(), device.name(), device.kind(),
                            Units.bytes(device.memoryBytes()), String.join(", ", device.facts()));
                }
            }
            for (String note : status.notes()) {
                out.printf("  note: %s%n", note);
            }
        }
        out.flush();
    }
}
