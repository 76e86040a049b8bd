package org.scribbleseg.app;

import java.net.URL;
import javafx.scene.Scene;

/** Light and dark stylesheets from the ui-resources jar ({@code org/scribbleseg/ui/}). */
public final class Themes {
    public static final String APP_CSS = "/org/scribbleseg/ui/app.css";
    public static final String DARK_CSS = "/org/scribbleseg/ui/dark.css";

    private Themes() {
    }

    public static void apply(Scene scene, boolean dark) {
        scene.getStylesheets().setAll(url(APP_CSS));
        if (dark) {
            scene.getStylesheets().add(url(DARK_CSS));
        }
    }

    private static String url(String path) {
        URL u = Themes.class.getResource(path);
        if (u == null) {
            throw new IllegalStateException("missing stylesheet " + path + " (the ui-resources jar is not on the class path)");
        }
        return u.toExternalForm();
    }
}
