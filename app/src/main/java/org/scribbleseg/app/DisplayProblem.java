package org.scribbleseg.app;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns JavaFX's two start-up failures on Linux, "Unable to load glass GTK library" (GTK 3 is not installed) and
 * "Unable to open DISPLAY" (no X display), into one line saying what is missing and the command that fixes it.
 */
final class DisplayProblem {
    /** The packages JavaFX's Linux natives link against, beyond what any Debian/Ubuntu has (see README). */
    static final String APT_GTK = "sudo apt-get install -y --no-install-recommends libgtk-3-0 libxtst6 libxxf86vm1 libgl1";
    static final String DNF_GTK = "sudo dnf install -y gtk3 libXtst libXxf86vm mesa-libGL";
    static final String APT_XVFB = "sudo apt-get install -y --no-install-recommends xvfb xauth";

    private DisplayProblem() {
    }

    /**
     * The one-line explanation of {@code failure} (or of a cause in its chain) when it is one of JavaFX's
     * display/GTK failures, else empty. {@code command} is how the user started the app, for the xvfb-run hint.
     */
    static Optional<String> explain(Throwable failure, Map<String, String> env, String command) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Unable to load glass GTK library")) {
                return Optional.of("error: GTK 3, which JavaFX draws the window with, is not installed. Install it: " + APT_GTK
                        + " (Fedora: " + DNF_GTK + "); without a display also: " + APT_XVFB + ", then run: xvfb-run -a " + command);
            }
            if (m.contains("Unable to open DISPLAY")) {
                String display = env.getOrDefault("DISPLAY", "");
                String what = display.isBlank() ? "there is no display (DISPLAY is not set)"
                        : "the display DISPLAY=" + display + " cannot be opened (no X server there, or no permission)";
                String gtk = gtk3Installed(env) ? ""
                        : "; GTK 3 is missing too: " + APT_GTK + " (Fedora: " + DNF_GTK + ")";
                return Optional.of("error: " + what + ". Start the app in a desktop session, or headless: " + APT_XVFB
                        + ", then run: xvfb-run -a " + command + gtk);
            }
        }
        return Optional.empty();
    }

    /** Whether libgtk-3.so.0 lies in one of the usual library folders or on LD_LIBRARY_PATH. */
    static boolean gtk3Installed(Map<String, String> env) {
        List<String> dirs = new ArrayList<>(List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                "/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib"));
        String ld = env.get("LD_LIBRARY_PATH");
        if (ld != null) {
            dirs.addAll(0, List.of(ld.split(File.pathSeparator)));
        }
        return dirs.stream().filter(d -> !d.isBlank()).anyMatch(d -> Files.exists(Path.of(d, "libgtk-3.so.0")));
    }
}
