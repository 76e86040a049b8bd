package org.scribbleseg.app;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.ImageStatus;

/**
 * The image list: virtualised, thumbnails made in the background, status and (once a prediction exists) mean
 * uncertainty per image, filter by status, sort (most uncertain first among them).
 */
public final class ImageBrowser extends VBox {

    enum Filter {
        ALL("All images"), UNLABELLED("Unlabelled"), IN_PROGRESS("In progress"), DONE("Done");

        final String label;

        Filter(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    enum Sort {
        ADDED("Order added"), NAME("Name"), STATUS("Status (to do first)"), UNCERTAIN("Most uncertain first");

        final String label;

        Sort(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final ThumbnailCache thumbnails;
    private final ListView<ImageEntry> list = new ListView<>();
    private final ObservableList<ImageEntry> shown = FXCollections.observableArrayList();
    private final ComboBox<Filter> filter = new ComboBox<>(FXCollections.observableArrayList(Filter.values()));
    private final ComboBox<Sort> sort = new ComboBox<>(FXCollections.observableArrayList(Sort.values()));
    private final Label counts = new Label();
    private List<ImageEntry> all = List.of();
    /** Mean uncertainty of each image's latest prediction, where one is known. */
    private final Map<Long, Double> uncertainty = new java.util.HashMap<>();
    private long selectedId = -1;
    private boolean updating;
    private LongConsumer onSelect = id -> { };

    public ImageBrowser(ThumbnailCache thumbnails) {
        this.thumbnails = thumbnails;
        getStyleClass().add("image-browser");
        setId("imageBrowser");
        Label title = new Label("Images");
        title.getStyleClass().add("panel-title");
        filter.setValue(Filter.ALL);
        sort.setValue(Sort.ADDED);
        filter.setId("statusFilter");
        sort.setId("imageSort");
        filter.setMaxWidth(Double.MAX_VALUE);
        sort.setMaxWidth(Double.MAX_VALUE);
        filter.valueProperty().addListener(o -> refresh());
        sort.valueProperty().addListener(o -> refresh());
        counts.getStyleClass().add("muted");
        list.setItems(shown);
        list.setId("imageList");
        list.setCellFactory(v -> new Cell());
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (!updating && b != null && b.id() != selectedId) {
                selectedId = b.id();
                onSelect.accept(b.id());
            }
        });
        VBox.setVgrow(list, Priority.ALWAYS);
        setSpacing(6);
        setPadding(new Insets(8));
        getChildren().addAll(title, filter, sort, counts, list);
    }

    public void setOnSelect(LongConsumer c) {
        onSelect = c;
    }

    /** New image list from the store (statuses may have changed). */
    public void setImages(List<ImageEntry> images) {
        all = List.copyOf(images);
        refresh();
    }

    public List<ImageEntry> images() {
        return all;
    }

    /** Mean uncertainties (by image id) of new predictions; re-sorts when sorted by uncertainty. */
    public void setUncertainties(Map<Long, Double> byImage) {
        if (byImage.isEmpty()) {
            return;
        }
        uncertainty.putAll(byImage);
        if (sort.getValue() == Sort.UNCERTAIN) {
            refresh();
        } else {
            list.refresh();
        }
    }

    /** The image's latest mean uncertainty, or NaN when no prediction is known. */
    public double uncertainty(long imageId) {
        return uncertainty.getOrDefault(imageId, Double.NaN);
    }

    /** The images in the order the list shows them (after filter and sort). */
    public List<ImageEntry> shown() {
        return List.copyOf(shown);
    }

    /** Selects an image without calling back. */
    public void select(long id) {
        selectedId = id;
        updating = true;
        try {
            for (int i = 0; i < shown.size(); i++) {
                if (shown.get(i).id() == id) {
                    list.getSelectionModel().select(i);
                    list.scrollTo(Math.max(0, i - 2));
                    return;
                }
            }
            list.getSelectionModel().clearSelection();
        } finally {
            updating = false;
        }
    }

    private void refresh() {
        List<ImageEntry> out = new ArrayList<>();
        Filter f = filter.getValue();
        for (ImageEntry e : all) {
            if (f == Filter.ALL || e.status().name().equals(f.name())) {
                out.add(e);
            }
        }
        Comparator<ImageEntry> c = switch (sort.getValue()) {
            case ADDED -> Comparator.comparingLong(ImageEntry::id);
            case NAME -> Comparator.comparing((ImageEntry e) -> e.stem().toLowerCase()).thenComparingLong(ImageEntry::id);
            case STATUS -> Comparator.comparingInt((ImageEntry e) -> statusRank(e.status())).thenComparingLong(ImageEntry::id);
            // known uncertainties, highest first; images without a prediction after them, in the order added
            case UNCERTAIN -> Comparator.comparingDouble((ImageEntry e) -> {
                double u = uncertainty(e.id());
                return Double.isNaN(u) ? Double.POSITIVE_INFINITY : -u;
            }).thenComparingLong(ImageEntry::id);
        };
        out.sort(c);
        updating = true;
        try {
            shown.setAll(out);
        } finally {
            updating = false;
        }
        select(selectedId);
        Map<ImageStatus, Long> n = new java.util.EnumMap<>(ImageStatus.class);
        for (ImageEntry e : all) {
            n.merge(e.status(), 1L, Long::sum);
        }
        counts.setText(all.size() + " images · " + n.getOrDefault(ImageStatus.DONE, 0L) + " done · "
                + n.getOrDefault(ImageStatus.IN_PROGRESS, 0L) + " in progress");
    }

    private static int statusRank(ImageStatus s) {
        return switch (s) {
            case IN_PROGRESS -> 0;
            case UNLABELLED -> 1;
            case DONE -> 2;
        };
    }

    static String statusText(ImageStatus s) {
        return switch (s) {
            case UNLABELLED -> "unlabelled";
            case IN_PROGRESS -> "in progress";
            case DONE -> "done";
        };
    }

    private final class Cell extends ListCell<ImageEntry> {
        private final ImageView view = new ImageView();
        private final StackPane frame = new StackPane(view);
        private final Label name = new Label();
        private final Label detail = new Label();
        private final Label unsure = new Label();
        private final Region dot = new Region();
        private final HBox box;
        private long shownId = -1;

        Cell() {
            setPrefWidth(0); // never wider than the list: no horizontal scroll bar
            frame.setMinSize(ThumbnailCache.SIZE, ThumbnailCache.SIZE * 0.75);
            frame.setPrefSize(ThumbnailCache.SIZE, ThumbnailCache.SIZE * 0.75);
            frame.getStyleClass().add("thumb-frame");
            view.setFitWidth(ThumbnailCache.SIZE);
            view.setFitHeight(ThumbnailCache.SIZE * 0.75);
            view.setPreserveRatio(true);
            name.getStyleClass().add("image-name");
            detail.getStyleClass().add("muted");
            dot.getStyleClass().add("status-dot");
            HBox status = new HBox(5, dot, detail);
            status.setAlignment(Pos.CENTER_LEFT);
            unsure.getStyleClass().add("muted");
            unsure.setManaged(false);
            unsure.setVisible(false);
            VBox text = new VBox(2, name, status, unsure);
            text.setAlignment(Pos.CENTER_LEFT);
            box = new HBox(8, frame, text);
            box.setAlignment(Pos.CENTER_LEFT);
        }

        @Override
        protected void updateItem(ImageEntry e, boolean empty) {
            super.updateItem(e, empty);
            if (empty || e == null) {
                setGraphic(null);
                shownId = -1;
                return;
            }
            name.setText(e.stem());
            double u = uncertainty(e.id());
            detail.setText(statusText(e.status()) + " · " + e.width() + "×" + e.height());
            // a line of its own, shown once a prediction is known (it does not fit beside the status)
            boolean known = !Double.isNaN(u);
            unsure.setText(known ? String.format(java.util.Locale.ROOT, "uncertainty %.2f", u) : "");
            unsure.setManaged(known);
            unsure.setVisible(known);
            dot.getStyleClass().removeIf(s -> s.startsWith("status-") && !s.equals("status-dot"));
            dot.getStyleClass().add("status-" + e.status().name().toLowerCase().replace('_', '-'));
            shownId = e.id();
            view.setImage(thumbnails.get(e, img -> {
                if (shownId == e.id()) {
                    view.setImage(img);
                }
            }));
            setGraphic(box);
        }
    }
}
