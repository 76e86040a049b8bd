package org.scribbleseg.app;

import java.io.File;
import java.nio.file.Path;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.stage.DirectoryChooser;
import javafx.util.StringConverter;
import org.scribbleseg.engine.Engine;
import org.scribbleseg.engine.export.ExportMode;
import org.scribbleseg.engine.export.ExportResult;
import org.scribbleseg.engine.export.VocExporter;

/** PASCAL VOC export (options dialog, progress, cancel) and import, run on the window's {@link UiBackground#jobs()}. */
final class VocDialogs {
    private VocDialogs() {
    }

    static String modeText(ExportMode m) {
        return switch (m) {
            case DONE -> "Done images (accepted masks)";
            case PREDICTED -> "Done + the model's masks for the rest";
            case SPARSE -> "Scribbles and points only (sparse)";
        };
    }

    /** Shows the options; null when cancelled. */
    static VocExporter.Options ask(javafx.stage.Window owner, Path defaultOut) {
        Dialog<ButtonType> d = new Dialog<>();
        d.setTitle("Export PASCAL VOC");
        d.setHeaderText("Writes JPEGImages, SegmentationClass (palette PNGs), ImageSets and labelmap.txt.\n"
                + "The export is written to a temporary folder and renamed when complete.");
        TextField out = new TextField(defaultOut.toString());
        out.setId("exportFolder");
        out.setPrefColumnCount(32);
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("Export into");
            File f = c.showDialog(d.getDialogPane().getScene().getWindow());
            if (f != null) {
                out.setText(f.getPath());
            }
        });
        HBox outRow = new HBox(6, out, browse);
        HBox.setHgrow(out, Priority.ALWAYS);
        ChoiceBox<ExportMode> mode = new ChoiceBox<>();
        mode.getItems().setAll(ExportMode.values());
        mode.setValue(ExportMode.DONE);
        mode.setConverter(new StringConverter<>() {
            @Override
            public String toString(ExportMode m) {
                return m == null ? "" : modeText(m);
            }

            @Override
            public ExportMode fromString(String s) {
                return null;
            }
        });
        CheckBox devkit = new CheckBox("VOCdevkit layout, year");
        Spinner<Integer> year = new Spinner<>(2007, 2100, 2012);
        year.disableProperty().bind(devkit.selectedProperty().not());
        CheckBox overwrite = new CheckBox("Replace an earlier export in this folder");
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(8);
        g.addRow(0, new Label("Folder"), outRow);
        g.addRow(1, new Label("Include"), mode);
        g.addRow(2, devkit, year);
        g.add(overwrite, 0, 3, 2, 1);
        d.getDialogPane().setContent(g);
        d.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        ((Button) d.getDialogPane().lookupButton(ButtonType.OK)).setText("Export");
        if (owner != null) {
            d.initOwner(owner);
        }
        if (d.showAndWait().filter(b -> b == ButtonType.OK).isEmpty() || out.getText().isBlank()) {
            return null;
        }
        return VocExporter.Options.of(Path.of(out.getText().strip()), mode.getValue())
                .withDevkit(devkit.isSelected() ? year.getValue() : null).withOverwrite(overwrite.isSelected());
    }

    /** Exports in the background; {@code done} gets the result on the FX thread. */
    static void export(Engine engine, UiBackground background, VocExporter.Options o, JobStatusLine line,
            java.util.function.Consumer<ExportResult> done, java.util.function.Consumer<Throwable> failed) {
        FxTaskMonitor monitor = line.startUiJob("Exporting PASCAL VOC…", "Exporting PASCAL VOC");
        UiBackground.on(background.jobs(), () -> engine.exportVoc(o, monitor), r -> {
                    line.uiJob("Exported " + r.images() + " images to " + r.datasetRoot(), Double.NaN);
                    done.accept(r);
                }, t -> {
                    line.uiJob(monitor.isCancelled() ? "Export cancelled" : "Export failed", Double.NaN);
                    failed.accept(t);
                });
    }

    /** Imports a VOC folder into the open project in the background. */
    static void importInto(Engine engine, UiBackground background, Path folder, JobStatusLine line, java.util.function.Consumer<String> done,
            java.util.function.Consumer<Throwable> failed) {
        line.uiJob("Importing " + folder.getFileName() + "…", -1);
        UiBackground.on(background.jobs(), () -> engine.importVoc(folder), s -> {
            line.uiJob("Imported: " + s, Double.NaN);
            done.accept(s);
        }, t -> {
            line.uiJob("Import failed", Double.NaN);
            failed.accept(t);
        });
    }
}
