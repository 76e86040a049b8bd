package org.scribbleseg.app;

import java.util.List;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.Point2D;
import javafx.scene.Cursor;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.Image;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.shape.StrokeLineCap;
import javafx.scene.shape.StrokeLineJoin;
import org.scribbleseg.engine.project.StrokeKind;

/**
 * The image viewer and drawing surface. Holds the image and its layers at image resolution and draws only the
 * visible part of each ({@code drawImage} with a source rectangle), so panning and zooming a 4000×3000 image stays
 * smooth. Layers, bottom to top: image, prediction overlay, labels (accepted mask + strokes), uncertainty, the
 * stroke being drawn, the brush outline. A stroke is drawn under the cursor as the mouse moves; on release it goes
 * to {@link #setOnStroke the stroke handler}, which stores it elsewhere.
 */
public final class ImageCanvas extends Region {

    /** A finished stroke, or the click (one point) of a region tool, in image pixel coordinates. */
    @FunctionalInterface
    public interface StrokeHandler {
        void stroke(Tool tool, boolean shift, float radius, float[] points, long durationMs);
    }

    private final Canvas canvas = new Canvas();
    private final ObjectProperty<Tool> tool = new SimpleObjectProperty<>(Tool.BRUSH);
    private final DoubleProperty brushRadius = new SimpleDoubleProperty(8);
    private final DoubleProperty labelOpacity = new SimpleDoubleProperty(0.6);
    private final DoubleProperty predictionOpacity = new SimpleDoubleProperty(0.45);
    private final BooleanProperty showPrediction = new SimpleBooleanProperty(true);
    private final BooleanProperty showUncertainty = new SimpleBooleanProperty(false);
    private final ObjectProperty<Color> classColor = new SimpleObjectProperty<>(Color.RED);
    private final ObjectProperty<Color> backgroundColor = new SimpleObjectProperty<>(Color.BLACK);

    private Image image;
    private List<Image> pyramid = List.of();
    private int imgW;
    private int imgH;
    private WritableImage labels;
    private int[] labelArgb;
    private WritableImage prediction;
    private WritableImage uncertainty;

    private double scale = 1;
    private double tx;
    private double ty;
    private boolean fitPending = true;

    private boolean spaceDown;
    private boolean panning;
    private double panX;
    private double panY;

    private float[] live = new float[64];
    private int liveLen;
    private Tool liveTool;
    private boolean liveShift;
    private long liveStart;

    private double mouseX = Double.NaN;
    private double mouseY = Double.NaN;
    private boolean redrawQueued;
    private StrokeHandler onStroke;

    public ImageCanvas() {
        getStyleClass().add("image-canvas");
        setId("imageCanvas");
        getChildren().add(canvas);
        setFocusTraversable(true);
        setMinSize(100, 100);
        canvas.widthProperty().addListener((o, a, b) -> sizeChanged());
        canvas.heightProperty().addListener((o, a, b) -> sizeChanged());
        for (var p : new javafx.beans.Observable[] {tool, brushRadius, labelOpacity, predictionOpacity, showPrediction,
                showUncertainty, classColor}) {
            p.addListener(o -> requestRedraw());
        }
        addEventHandler(MouseEvent.MOUSE_PRESSED, this::pressed);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::dragged);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::released);
        addEventHandler(MouseEvent.MOUSE_MOVED, e -> {
            mouseX = e.getX();
            mouseY = e.getY();
            requestRedraw();
        });
        addEventHandler(MouseEvent.MOUSE_EXITED, e -> {
            mouseX = Double.NaN;
            requestRedraw();
        });
        addEventHandler(ScrollEvent.SCROLL, this::scrolled);
        updateCursor();
        tool.addListener(o -> updateCursor());
    }

    // ------------------------------------------------------------------------------------------------ layers

    /** Shows a new image (fitted on first layout); clears every other layer. */
    public void setImage(Image img) {
        setImage(img == null ? List.of() : List.of(img));
    }

    /** As {@link #setImage(Image)} with reduced copies (each half the previous) for zoomed-out views. */
    public void setImage(List<? extends Image> levels) {
        pyramid = List.copyOf(levels);
        Image img = levels.isEmpty() ? null : levels.get(0);
        image = img;
        imgW = img == null ? 0 : (int) img.getWidth();
        imgH = img == null ? 0 : (int) img.getHeight();
        labels = null;
        labelArgb = null;
        prediction = null;
        uncertainty = null;
        cancelLive();
        fitPending = true;
        if (getWidth() > 0) {
            fit();
        }
        requestRedraw();
    }

    /**
     * Drops every layer and the stroke handler: a closed window's canvas may stay referenced (a scene's last mouse
     * event target, a test harness's event log) but then holds no image-sized buffers.
     */
    public void release() {
        setImage(List.of());
        onStroke = null;
    }

    public Image image() {
        return image;
    }

    public int imageWidth() {
        return imgW;
    }

    public int imageHeight() {
        return imgH;
    }

    /** Replaces the labels layer (ARGB at image size, handed over: not copied). */
    public void setLabels(int[] argb) {
        if (image == null || argb == null || argb.length != imgW * imgH) {
            return;
        }
        labelArgb = argb;
        labels = LabelPainter.toImage(argb, imgW, imgH);
        requestRedraw();
    }

    /** Paints one stroke into the labels layer at once (only its box is copied to the texture). */
    public void paintStroke(StrokeKind kind, int rgb, float radius, float[] points) {
        if (labelArgb == null) {
            if (image == null) {
                return;
            }
            setLabels(new int[imgW * imgH]);
        }
        int[] box = LabelPainter.paintStroke(kind, rgb, radius, points, labelArgb, imgW, imgH);
        if (box != null) {
            LabelPainter.write(labels, labelArgb, imgW, box[0], box[1], box[2], box[3]);
        }
        requestRedraw();
    }

    /** The prediction overlay (ARGB at image size), or null for none. */
    public void setPrediction(int[] argb) {
        prediction = argb == null || argb.length != imgW * imgH ? null : LabelPainter.toImage(argb, imgW, imgH);
        requestRedraw();
    }

    public boolean hasPrediction() {
        return prediction != null;
    }

    /** The uncertainty layer (ARGB at image size), or null for none. */
    public void setUncertainty(int[] argb) {
        uncertainty = argb == null || argb.length != imgW * imgH ? null : LabelPainter.toImage(argb, imgW, imgH);
        requestRedraw();
    }

    public boolean hasUncertainty() {
        return uncertainty != null;
    }

    // ------------------------------------------------------------------------------------------------ view

    public void fit() {
        fitPending = false;
        if (image == null || getWidth() <= 0 || getHeight() <= 0) {
            fitPending = true;
            return;
        }
        double s = Math.min(getWidth() / imgW, getHeight() / imgH) * 0.98;
        scale = s;
        tx = (getWidth() - imgW * s) / 2;
        ty = (getHeight() - imgH * s) / 2;
        requestRedraw();
    }

    /** 100 %: one image pixel per screen pixel, centred on the view's centre. */
    public void actualSize() {
        zoomAt(1 / scale, getWidth() / 2, getHeight() / 2);
    }

    /** Multiplies the zoom by {@code factor}, keeping the image point under (x, y) in place. */
    public void zoomAt(double factor, double x, double y) {
        double next = Math.max(0.02, Math.min(64, scale * factor));
        double f = next / scale;
        tx = x - (x - tx) * f;
        ty = y - (y - ty) * f;
        scale = next;
        requestRedraw();
    }

    public double scale() {
        return scale;
    }

    /** Image coordinates of a point in this node's coordinates. */
    public Point2D toImage(double x, double y) {
        return new Point2D((x - tx) / scale, (y - ty) / scale);
    }

    /** This node's coordinates of an image point. */
    public Point2D toView(double ix, double iy) {
        return new Point2D(ix * scale + tx, iy * scale + ty);
    }

    public void setSpaceDown(boolean down) {
        spaceDown = down;
        updateCursor();
    }

    public void setOnStroke(StrokeHandler h) {
        onStroke = h;
    }

    public ObjectProperty<Tool> toolProperty() {
        return tool;
    }

    public DoubleProperty brushRadiusProperty() {
        return brushRadius;
    }

    public DoubleProperty labelOpacityProperty() {
        return labelOpacity;
    }

    public DoubleProperty predictionOpacityProperty() {
        return predictionOpacity;
    }

    public BooleanProperty showPredictionProperty() {
        return showPrediction;
    }

    public BooleanProperty showUncertaintyProperty() {
        return showUncertainty;
    }

    public ObjectProperty<Color> classColorProperty() {
        return classColor;
    }

    public ObjectProperty<Color> backgroundColorProperty() {
        return backgroundColor;
    }

    // ------------------------------------------------------------------------------------------------ input

    private void pressed(MouseEvent e) {
        requestFocus();
        if (e.getButton() == MouseButton.MIDDLE || (e.getButton() == MouseButton.PRIMARY && spaceDown)) {
            panning = true;
            panX = e.getX();
            panY = e.getY();
            setCursor(Cursor.CLOSED_HAND);
            e.consume();
            return;
        }
        if (e.getButton() != MouseButton.PRIMARY || image == null) {
            return;
        }
        liveTool = tool.get();
        liveShift = e.isShiftDown();
        liveStart = System.currentTimeMillis();
        liveLen = 0;
        addLivePoint(e.getX(), e.getY(), true);
        e.consume();
    }

    private void dragged(MouseEvent e) {
        mouseX = e.getX();
        mouseY = e.getY();
        if (panning) {
            tx += e.getX() - panX;
            ty += e.getY() - panY;
            panX = e.getX();
            panY = e.getY();
            requestRedraw();
        } else if (liveTool != null && !liveTool.isClick()) {
            addLivePoint(e.getX(), e.getY(), false);
        } else {
            requestRedraw();
        }
        e.consume();
    }

    private void released(MouseEvent e) {
        if (panning) {
            panning = false;
            updateCursor();
            e.consume();
            return;
        }
        if (liveTool == null) {
            return;
        }
        if (!liveTool.isClick()) {
            addLivePoint(e.getX(), e.getY(), false);
        }
        float[] pts = java.util.Arrays.copyOf(live, liveTool.isClick() ? 2 : liveLen);
        Tool t = liveTool;
        boolean shift = liveShift;
        long duration = System.currentTimeMillis() - liveStart;
        liveTool = null;
        liveLen = 0;
        requestRedraw();
        if (onStroke != null) {
            onStroke.stroke(t, shift, (float) brushRadius.get(), pts, duration);
        }
        e.consume();
    }

    private void addLivePoint(double x, double y, boolean first) {
        Point2D p = toImage(x, y);
        float px = (float) p.getX();
        float py = (float) p.getY();
        if (!first && liveLen >= 2) {
            float dx = px - live[liveLen - 2];
            float dy = py - live[liveLen - 1];
            if (dx * dx + dy * dy < 0.25f) {
                return;
            }
        }
        if (liveLen + 2 > live.length) {
            live = java.util.Arrays.copyOf(live, live.length * 2);
        }
        live[liveLen++] = px;
        live[liveLen++] = py;
        requestRedraw();
    }

    private void cancelLive() {
        liveTool = null;
        liveLen = 0;
    }

    private void scrolled(ScrollEvent e) {
        if (image == null || e.getDeltaY() == 0) {
            return;
        }
        zoomAt(Math.pow(1.0015, e.getDeltaY()), e.getX(), e.getY());
        e.consume();
    }

    private void updateCursor() {
        if (spaceDown) {
            setCursor(Cursor.OPEN_HAND);
        } else {
            setCursor(tool.get().isClick() ? Cursor.CROSSHAIR : Cursor.NONE);
        }
    }

    // ------------------------------------------------------------------------------------------------ drawing

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
    }

    private void sizeChanged() {
        if (fitPending) {
            fit();
        }
        requestRedraw();
    }

    /** Coalesces redraw requests: at most one pending per pulse. */
    public void requestRedraw() {
        if (!redrawQueued) {
            redrawQueued = true;
            Platform.runLater(this::redraw);
        }
    }

    /** Draws now (the canvas holds the result until the next redraw). */
    public void redraw() {
        redrawQueued = false;
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.setGlobalAlpha(1);
        g.clearRect(0, 0, w, h);
        if (image == null) {
            return;
        }
        int x0 = (int) Math.max(0, Math.floor(-tx / scale));
        int y0 = (int) Math.max(0, Math.floor(-ty / scale));
        int x1 = (int) Math.min(imgW, Math.ceil((w - tx) / scale));
        int y1 = (int) Math.min(imgH, Math.ceil((h - ty) / scale));
        if (x1 > x0 && y1 > y0) {
            double dx = x0 * scale + tx;
            double dy = y0 * scale + ty;
            double dw = (x1 - x0) * scale;
            double dh = (y1 - y0) * scale;
            g.setImageSmoothing(scale < 1);
            int level = 0;
            while (level + 1 < pyramid.size() && scale * (1 << (level + 1)) <= 1.0) {
                level++;
            }
            if (level == 0) {
                g.drawImage(image, x0, y0, x1 - x0, y1 - y0, dx, dy, dw, dh);
            } else {
                Image li = pyramid.get(level);
                double f = li.getWidth() / imgW;
                double fy = li.getHeight() / imgH;
                g.drawImage(li, x0 * f, y0 * fy, (x1 - x0) * f, (y1 - y0) * fy, dx, dy, dw, dh);
            }
            g.setImageSmoothing(false);
            if (showPrediction.get() && prediction != null) {
                g.setGlobalAlpha(predictionOpacity.get());
                g.drawImage(prediction, x0, y0, x1 - x0, y1 - y0, dx, dy, dw, dh);
            }
            if (labels != null) {
                g.setGlobalAlpha(labelOpacity.get());
                g.drawImage(labels, x0, y0, x1 - x0, y1 - y0, dx, dy, dw, dh);
            }
            if (showUncertainty.get() && uncertainty != null) {
                g.setGlobalAlpha(0.9);
                g.drawImage(uncertainty, x0, y0, x1 - x0, y1 - y0, dx, dy, dw, dh);
            }
            g.setGlobalAlpha(1);
        }
        drawLive(g);
        drawBrushOutline(g);
    }

    private Color liveColor() {
        return switch (liveTool) {
            case BRUSH, POINT -> liveShift && liveTool == Tool.POINT ? backgroundColor.get() : classColor.get();
            case ERASER -> Color.WHITE;
            case IGNORE -> Color.gray(0.55);
            case ACCEPT_REGION, FILL_REGION -> Color.TRANSPARENT;
        };
    }

    private void drawLive(GraphicsContext g) {
        if (liveTool == null || liveTool.isRegion() || liveLen < 2) {
            return;
        }
        double r = brushRadius.get() * scale;
        g.setGlobalAlpha(liveTool == Tool.ERASER ? 0.5 : labelOpacity.get());
        Color c = liveColor();
        if (liveTool == Tool.POINT || liveLen == 2) {
            Point2D p = toView(live[0], live[1]);
            g.setFill(c);
            g.fillOval(p.getX() - r, p.getY() - r, 2 * r, 2 * r);
        } else {
            g.setStroke(c);
            g.setLineWidth(2 * r);
            g.setLineCap(StrokeLineCap.ROUND);
            g.setLineJoin(StrokeLineJoin.ROUND);
            g.beginPath();
            for (int i = 0; i < liveLen; i += 2) {
                Point2D p = toView(live[i], live[i + 1]);
                if (i == 0) {
                    g.moveTo(p.getX(), p.getY());
                } else {
                    g.lineTo(p.getX(), p.getY());
                }
            }
            g.stroke();
        }
        g.setGlobalAlpha(1);
    }

    private void drawBrushOutline(GraphicsContext g) {
        if (Double.isNaN(mouseX) || image == null || spaceDown || panning || tool.get().isRegion()) {
            return;
        }
        double r = Math.max(1, brushRadius.get() * scale);
        g.setLineWidth(1);
        g.setStroke(Color.rgb(0, 0, 0, 0.7));
        g.strokeOval(mouseX - r - 1, mouseY - r - 1, 2 * r + 2, 2 * r + 2);
        g.setStroke(Color.rgb(255, 255, 255, 0.9));
        g.strokeOval(mouseX - r, mouseY - r, 2 * r, 2 * r);
    }
}
