package org.scribbleseg.app;

import org.scribbleseg.engine.export.VocPalette;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceDialog;
import javafx.scene.control.ColorPicker;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import javafx.scene.shape.Rectangle;
import org.scribbleseg.engine.project.ClassDef;
import org.scribbleseg.engine.Classes;

/**
 * The class palette: the project's classes in palette order with colour and VOC index; add, rename, recolour,
 * reorder, delete (moving labels to another class), definition and concepts. Every edit is written to the store
 * in the background; the list refreshes from the store's change event.
 */
public final class ClassPalette extends VBox {
    private final Classes commands;
    private final Notifier notifier;
    private final ObservableList<ClassDef> items = FXCollections.observableArrayList();
    private final ListView<ClassDef> list = new ListView<>(items);
    private final ObjectProperty<ClassDef> selected = new SimpleObjectProperty<>();
    private final TextField name = new TextField();
    private final ColorPicker color = new ColorPicker();
    private final TextField index = new TextField();
    private final Label indexError = new Label();
    private final TextArea definition = new TextArea();
    private final TextField concepts = new TextField();
    private final VBox editor;
    private boolean loading;
    private Long pendingSelect;
    private long shownId = -1;

    /** The window's background threads: every class command runs on its store thread. */
    private final UiBackground background;

    public ClassPalette(Classes commands, Notifier notifier, UiBackground background) {
        this.background = background;
        this.commands = commands;
        this.notifier = notifier;
        getStyleClass().add("class-palette");
        setSpacing(6);
        setPadding(new Insets(4, 0, 4, 0));
        list.setId("classList");
        list.setPrefHeight(190);
        list.setCellFactory(v -> new Cell());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (!loading) {
                selected.set(b);
            }
        });
        selected.addListener((o, a, b) -> showEditor(b));

        Button add = iconButton("addClassButton", "icon-add", "Add a class");
        add.setOnAction(e -> addClass());
        Button up = iconButton("classUpButton", "icon-up", "Move the class up (earlier number key)");
        up.setOnAction(e -> move(-1));
        Button down = iconButton("classDownButton", "icon-down", "Move the class down");
        down.setOnAction(e -> move(1));
        Button delete = iconButton("deleteClassButton", "icon-delete", "Delete the class (its labels move to a class you choose)");
        delete.setOnAction(e -> deleteSelected());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox buttons = new HBox(4, add, up, down, gap, delete);
        buttons.setAlignment(Pos.CENTER_LEFT);
        up.disableProperty().bind(selected.isNull());
        down.disableProperty().bind(selected.isNull());
        delete.disableProperty().bind(selected.isNull());

        name.setId("className");
        name.setPromptText("class name");
        commitOnEnterOrLeave(name, this::commitName);
        color.setId("classColor");
        color.getStyleClass().add("button");
        color.setOnAction(e -> commitColor());
        index.setId("classIndex");
        index.setPrefColumnCount(4);
        index.setTooltip(new Tooltip("The value this class has in masks and VOC exports (0 = background, 1..254; 255 = void)."
                + " Changing it rewrites the stored masks and predictions."));
        commitOnEnterOrLeave(index, this::commitIndex);
        indexError.setId("classIndexError");
        indexError.getStyleClass().add("field-error");
        indexError.setWrapText(true);
        indexError.setVisible(false);
        indexError.setManaged(false);
        definition.setId("classDefinition");
        definition.setPromptText("definition: what counts as this class");
        definition.setPrefRowCount(2);
        definition.setWrapText(true);
        commitOnLeave(definition, this::commitDescription);
        concepts.setId("classConcepts");
        concepts.setPromptText("concepts: chair, armchair, deckchair");
        commitOnEnterOrLeave(concepts, this::commitDescription);
        GridPane grid = new GridPane();
        grid.setHgap(6);
        grid.setVgap(5);
        grid.addRow(0, new Label("Name"), name);
        grid.addRow(1, new Label("Colour"), color);
        grid.addRow(2, new Label("VOC index"), index);
        grid.add(indexError, 1, 3);
        GridPane.setHgrow(name, Priority.ALWAYS);
        color.setMaxWidth(Double.MAX_VALUE);
        editor = new VBox(5, grid, definition, concepts);
        editor.getStyleClass().add("class-editor");
        editor.setDisable(true);
        getChildren().addAll(list, buttons, editor);
    }

    private static void commitOnEnterOrLeave(TextField field, Runnable commit) {
        field.setOnAction(e -> commit.run());
        commitOnLeave(field, commit);
    }

    private static void commitOnLeave(javafx.scene.Node field, Runnable commit) {
        field.focusedProperty().addListener((o, a, focused) -> {
            if (!focused) {
                commit.run();
            }
        });
    }

    private static Button iconButton(String id, String icon, String tip) {
        Button b = new Button();
        b.setId(id);
        b.setGraphic(Icons.icon(icon));
        b.setTooltip(new Tooltip(tip));
        b.getStyleClass().add("icon-button");
        return b;
    }

    public ObjectProperty<ClassDef> selectedProperty() {
        return selected;
    }

    public List<ClassDef> classes() {
        return List.copyOf(items);
    }

    /** New class list from the store; keeps the selection (by id) or selects the first class. */
    public void setClasses(List<ClassDef> classes) {
        long keep = pendingSelect != null ? pendingSelect : (selected.get() == null ? -1 : selected.get().id());
        pendingSelect = null;
        loading = true;
        try {
            items.setAll(classes);
            ClassDef sel = classes.stream().filter(c -> c.id() == keep).findFirst()
                    .orElse(classes.stream().filter(c -> c.vocIndex() != 0).findFirst().orElse(classes.isEmpty() ? null : classes.get(0)));
            list.getSelectionModel().select(sel);
            selected.set(sel);
            showEditor(sel);
        } finally {
            loading = false;
        }
    }

    /** Number key n (1-based): the n-th class in palette order. */
    public void selectByNumber(int n) {
        if (n >= 1 && n <= items.size()) {
            list.getSelectionModel().select(n - 1);
        }
    }

    private void showEditor(ClassDef c) {
        editor.setDisable(c == null);
        if (c == null) {
            return;
        }
        if (shownId != c.id()) {
            shownId = c.id();
            showIndexError(null);
        }
        if (!name.isFocused()) {
            name.setText(c.name());
        }
        color.setValue(Color.rgb((c.rgb() >> 16) & 0xff, (c.rgb() >> 8) & 0xff, c.rgb() & 0xff));
        if (!index.isFocused()) {
            index.setText(Integer.toString(c.vocIndex()));
        }
        if (!definition.isFocused()) {
            definition.setText(c.definition());
        }
        if (!concepts.isFocused()) {
            concepts.setText(String.join(", ", c.concepts()));
        }
    }

    /** Adds "class N" with the next free VOC index and its VOC colour, selects it and focuses its name. */
    public void addClass() {
        Set<Integer> used = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (ClassDef c : items) {
            used.add(c.vocIndex());
            names.add(c.name());
        }
        int idx = 1;
        while (used.contains(idx) && idx < 254) {
            idx++;
        }
        int n = items.size() + 1;
        while (names.contains("class " + n)) {
            n++;
        }
        String nm = "class " + n;
        int vocIndex = idx;
        background.run(() -> commands.add(nm, VocPalette.rgb(vocIndex), vocIndex, "", List.of()), c -> {
            pendingSelect = c.id();
            if (items.stream().noneMatch(x -> x.id() == c.id())) {
                items.add(c); // the store's list follows with its change event
            }
            items.stream().filter(x -> x.id() == c.id()).findFirst().ifPresent(x -> list.getSelectionModel().select(x));
            name.requestFocus();
            name.setText(c.name());
            name.selectAll();
        }, t -> notifier.error("Could not add a class", t, null));
    }

    private void commitName() {
        ClassDef c = selected.get();
        String n = name.getText() == null ? "" : name.getText().strip();
        if (c == null || n.equals(c.name())) {
            return;
        }
        if (n.isEmpty()) {
            name.setText(c.name());
            return;
        }
        background.run(() -> commands.rename(c.id(), n), null, t -> {
            name.setText(c.name());
            notifier.error("Could not rename '" + c.name() + "'", t, "Choose another name.");
        });
    }

    /** Validates the typed VOC index (shown inline under the field) and writes it; the store remaps the masks. */
    private void commitIndex() {
        ClassDef c = selected.get();
        if (c == null || loading) {
            return;
        }
        String text = index.getText() == null ? "" : index.getText().strip();
        int v;
        try {
            v = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            showIndexError("Type a whole number from 0 to 254.");
            return;
        }
        if (v == c.vocIndex()) {
            showIndexError(null);
            return;
        }
        if (v < 0 || v > 254) {
            showIndexError("The VOC index must be 0..254 (255 is void).");
            return;
        }
        Optional<ClassDef> other = items.stream().filter(x -> x.vocIndex() == v && x.id() != c.id()).findFirst();
        if (other.isPresent()) {
            showIndexError("VOC index " + v + " is already used by '" + other.get().name() + "'.");
            return;
        }
        showIndexError(null);
        background.run(() -> commands.setIndex(c.id(), v), null, t -> showIndexError(t.getMessage()));
    }

    private void showIndexError(String message) {
        indexError.setText(message == null ? "" : message);
        indexError.setVisible(message != null);
        indexError.setManaged(message != null);
        if (message == null) {
            index.getStyleClass().remove("invalid");
        } else if (!index.getStyleClass().contains("invalid")) {
            index.getStyleClass().add("invalid");
        }
    }

    private void commitColor() {
        ClassDef c = selected.get();
        if (c == null || loading) {
            return;
        }
        Color v = color.getValue();
        int rgb = ((int) Math.round(v.getRed() * 255) << 16) | ((int) Math.round(v.getGreen() * 255) << 8) | (int) Math.round(v.getBlue() * 255);
        if (rgb == (c.rgb() & 0xffffff)) {
            return;
        }
        background.run(() -> commands.recolor(c.id(), rgb), null, t -> notifier.error("Could not change the colour", t, null));
    }

    private void commitDescription() {
        ClassDef c = selected.get();
        if (c == null) {
            return;
        }
        String def = definition.getText() == null ? "" : definition.getText().strip();
        List<String> con = Arrays.stream((concepts.getText() == null ? "" : concepts.getText()).split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (def.equals(c.definition()) && con.equals(c.concepts())) {
            return;
        }
        background.run(() -> commands.describe(c.id(), def, con), null, t -> notifier.error("Could not save the definition", t, null));
    }

    private void move(int delta) {
        ClassDef c = selected.get();
        if (c == null) {
            return;
        }
        int pos = items.indexOf(c) + delta;
        if (pos < 0 || pos >= items.size()) {
            return;
        }
        background.run(() -> commands.move(c.id(), pos), null, t -> notifier.error("Could not move the class", t, null));
    }

    private void deleteSelected() {
        ClassDef c = selected.get();
        if (c == null) {
            return;
        }
        background.run(() -> commands.usage(c.id()), usage -> {
            Long target = null;
            if (!usage.isEmpty()) {
                List<ClassDef> others = items.stream().filter(x -> x.id() != c.id()).toList();
                if (others.isEmpty()) {
                    notifier.error("Cannot delete '" + c.name() + "'", "It has " + usage.strokes() + " strokes, " + usage.tags()
                            + " tags and " + usage.masks() + " masks, and there is no other class to give them to.", "Add another class first.");
                    return;
                }
                ChoiceDialog<ClassDef> d = new ChoiceDialog<>(others.get(0), others);
                d.setTitle("Delete class");
                d.setHeaderText("'" + c.name() + "' has " + usage.strokes() + " strokes, " + usage.tags() + " tags and "
                        + usage.masks() + " masks.\nMove its labels to:");
                d.initOwner(getScene().getWindow());
                Optional<ClassDef> r = d.showAndWait();
                if (r.isEmpty()) {
                    return;
                }
                target = r.get().id();
            }
            Long to = target;
            background.run(() -> commands.delete(c.id(), to), null, t -> notifier.error("Could not delete '" + c.name() + "'", t, null));
        }, t -> notifier.error("Could not delete '" + c.name() + "'", t, null));
    }

    private final class Cell extends ListCell<ClassDef> {
        private final Rectangle swatch = new Rectangle(14, 14);
        private final Label key = new Label();
        private final Label label = new Label();
        private final Label voc = new Label();
        private final HBox box;

        Cell() {
            swatch.setArcWidth(4);
            swatch.setArcHeight(4);
            swatch.getStyleClass().add("swatch");
            key.getStyleClass().add("key-hint");
            voc.getStyleClass().add("muted");
            Region gap = new Region();
            HBox.setHgrow(gap, Priority.ALWAYS);
            box = new HBox(7, key, swatch, label, gap, voc);
            box.setAlignment(Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(ClassDef c, boolean empty) {
            super.updateItem(c, empty);
            if (empty || c == null) {
                setGraphic(null);
                return;
            }
            int i = getIndex() + 1;
            key.setText(i <= 9 ? Integer.toString(i) : " ");
            swatch.setFill(Color.rgb((c.rgb() >> 16) & 0xff, (c.rgb() >> 8) & 0xff, c.rgb() & 0xff));
            label.setText(c.name());
            voc.setText("VOC " + c.vocIndex());
            setGraphic(box);
        }
    }
}
