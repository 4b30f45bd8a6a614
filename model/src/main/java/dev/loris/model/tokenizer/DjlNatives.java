package dev.loris.model.tokenizer;

/**
 * Makes DJL's Hugging Face tokenizers binding work offline, before its classes load.
 *
 * <p>The binding's jar carries libtokenizers for linux-x86_64/aarch64, macOS arm64 and Windows (CPU
 * build). On first use DJL copies it to {@code $DJL_CACHE_DIR/tokenizers/<version>-cpu-<os>/} (default
 * {@code ~/.djl.ai}, or {@code java.io.tmpdir/.djl.ai} when the home folder is not writable;
 * {@code ENGINE_CACHE_DIR} overrides the whole path) and loads it from there. Two things would reach
 * the network: on a machine with CUDA, DJL looks for a CUDA flavour of the library, finds none in the
 * jar and downloads it; and every tokenizer creation "calls home" (EC2 metadata and a telemetry URL).
 * The system property {@code ai.djl.offline=true} turns both off: DJL then always takes the CPU library
 * from the jar and skips telemetry. We set it unless the user already chose a value (it is also read
 * from the environment as {@code DJL_OFFLINE}); {@code OPT_OUT_TRACKING=true} is set too, belt and
 * braces for telemetry. {@code RUST_LIBRARY_PATH} may point at a libtokenizers of one's own.
 */
final class DjlNatives {
    private static volatile boolean configured;

    private DjlNatives() {
    }

    /** Sets the offline properties once; call before any ai.djl class is touched. */
    static void configureOffline() {
        if (configured) {
            return;
        }
        synchronized (DjlNatives.class) {
            if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
                System.setProperty("ai.djl.offline", "true");
            }
            if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
                System.setProperty("OPT_OUT_TRACKING", "true");
            }
            configured = true;
        }
    }
}
