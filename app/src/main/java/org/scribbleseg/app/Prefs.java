package org.scribbleseg.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.prefs.Preferences;

/** User preferences: recent projects and the theme (java.util.prefs; the node can be redirected for tests). */
public final class Prefs {
    private static final int MAX_RECENT = 10;

    private Prefs() {
    }

    private static Preferences node() {
        String n = System.getProperty("scribbleseg.prefs.node", "/org/scribbleseg/app");
        return Preferences.userRoot().node(n);
    }

    public static List<Path> recentProjects() {
        List<Path> out = new ArrayList<>();
        for (String s : node().get("recent", "").split("\n")) {
            if (!s.isBlank()) {
                out.add(Path.of(s));
            }
        }
        return out;
    }

    public static void addRecent(Path project) {
        Path abs = project.toAbsolutePath().normalize();
        List<Path> list = new ArrayList<>(recentProjects());
        list.remove(abs);
        list.add(0, abs);
        while (list.size() > MAX_RECENT) {
            list.remove(list.size() - 1);
        }
        node().put("recent", String.join("\n", list.stream().map(Path::toString).toList()));
    }

    public static boolean exists(Path project) {
        return Files.isRegularFile(project.resolve("project.db"));
    }

    public static boolean darkTheme() {
        return node().getBoolean("dark", false);
    }

    public static void setDarkTheme(boolean dark) {
        node().putBoolean("dark", dark);
    }
}
