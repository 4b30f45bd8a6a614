package dev.loris.cli;

import dev.loris.tornado.runtime.BackendStatus;
import dev.loris.tornado.runtime.Backends;
import dev.loris.tornado.runtime.DeviceInfo;
import dev.loris.tornado.runtime.SignalHandlers;
import dev.loris.tornado.runtime.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.List;

/**
 * {@code loris devices}: every backend Loris can run kernels on, each device with its memory, and for each
 * backend that is missing the reason and what to install.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the JVM, OpenCL and CUDA devices Loris can use, and why a backend is missing.")
final class DevicesCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        print(Backends.probeAll(), out);
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
