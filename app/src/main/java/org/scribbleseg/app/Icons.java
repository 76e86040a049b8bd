package org.scribbleseg.app;

import javafx.scene.layout.Region;

/** Vector icons: a Region whose shape comes from the stylesheet ({@code -fx-shape} SVG paths in app.css). */
public final class Icons {
    private Icons() {
    }

    /** A 16 px icon of style class {@code name} (e.g. "icon-brush"). */
    public static Region icon(String name) {
        Region r = new Region();
        r.getStyleClass().addAll("icon", name);
        r.setMinSize(16, 16);
        r.setPrefSize(16, 16);
        r.setMaxSize(16, 16);
        return r;
    }
}
