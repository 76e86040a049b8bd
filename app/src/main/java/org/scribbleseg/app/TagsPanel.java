package org.scribbleseg.app;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.Annotations;
import org.scribbleseg.engine.project.Tag;

/** Image-level tags of the current image: per class present / absent / unknown. Each click is one undoable store action. */
public final class TagsPanel extends VBox {
    private final Annotations commands;
    private final Notifier notifier;
    private final VBox rows = new VBox(3);
    private final Label empty = new Label("Add classes to tag images.");
    private List<ClassDef> classes = List.of();
    private Map<Long, Boolean> tags = new HashMap<>();
    private long imageId = -1;
    private boolean loading;

    private final UiBackground background;

    public TagsPanel(Annotations commands, Notifier notifier, UiBackground background) {
        this.background = background;
        this.commands = commands;
        this.notifier = notifier;
        getStyleClass().add("tags-panel");
        setId("tagsPanel");
        setPadding(new Insets(4, 0, 4, 0));
        empty.getStyleClass().add("muted");
        getChildren().add(rows);
    }

    public void setClasses(List<ClassDef> classes) {
        this.classes = List.copyOf(classes);
        rebuild();
    }

    /** The current image and its tags (from the store). */
    public void setTags(long imageId, List<Tag> imageTags) {
        this.imageId = imageId;
        tags = new HashMap<>();
        for (Tag t : imageTags) {
            tags.put(t.classId(), t.present());
        }
        rebuild();
    }

    private void rebuild() {
        loading = true;
        try {
            rows.getChildren().clear();
            if (classes.isEmpty()) {
                rows.getChildren().add(empty);
                return;
            }
            for (ClassDef c : classes) {
                rows.getChildren().add(row(c));
            }
        } finally {
            loading = false;
        }
    }

    private HBox row(ClassDef c) {
        Rectangle sw = new Rectangle(10, 10, Color.rgb((c.rgb() >> 16) & 0xff, (c.rgb() >> 8) & 0xff, c.rgb() & 0xff));
        Label name = new Label(c.name());
        name.setMinWidth(40);
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        ToggleGroup g = new ToggleGroup();
        ToggleButton yes = toggle("✓", "tagPresent-" + c.id(), "'" + c.name() + "' is in this image", g);
        ToggleButton no = toggle("✗", "tagAbsent-" + c.id(), "'" + c.name() + "' is not in this image", g);
        ToggleButton unknown = toggle("?", "tagUnknown-" + c.id(), "not said", g);
        yes.getStyleClass().add("tag-present");
        no.getStyleClass().add("tag-absent");
        unknown.getStyleClass().add("tag-unknown");
        Boolean v = tags.get(c.id());
        (v == null ? unknown : (v ? yes : no)).setSelected(true);
        g.selectedToggleProperty().addListener((o, a, b) -> {
            if (loading) {
                return;
            }
            if (b == null) {
                a.setSelected(true);
                return;
            }
            Boolean present = b == yes ? Boolean.TRUE : (b == no ? Boolean.FALSE : null);
            long img = imageId;
            if (img < 0) {
                return;
            }
            background.run(() -> commands.setTag(img, c.id(), present), null,
                    t -> notifier.error("Could not save the tag", t, null));
        });
        HBox seg = new HBox(yes, no, unknown);
        seg.getStyleClass().add("segmented");
        HBox row = new HBox(6, sw, name, gap, seg);
        row.setAlignment(Pos.CENTER_LEFT);
        row.getStyleClass().add("tag-row");
        return row;
    }

    private static ToggleButton toggle(String text, String id, String tip, ToggleGroup g) {
        ToggleButton b = new ToggleButton(text);
        b.setId(id);
        b.setToggleGroup(g);
        b.setTooltip(new Tooltip(tip));
        b.getStyleClass().add("tag-toggle");
        return b;
    }
}
