package org.scribbleseg.engine.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.scribbleseg.engine.project.ClassDef;

/**
 * {@code labelmap.txt} as CVAT and our importer read it: a header line "# label:color_rgb:parts:actions", then one
 * line "name:r,g,b::" per class index 0, 1, 2, ... (the line order is the index).
 */
public final class LabelmapTxt {
    public static final String HEADER = "# label:color_rgb:parts:actions";

    /** The 21 PASCAL VOC class names, index 0..20, used when a folder has no labelmap.txt. */
    public static final List<String> VOC_NAMES = List.of("background", "aeroplane", "bicycle", "bird", "boat",
            "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person",
            "pottedplant", "sheep", "sofa", "train", "tvmonitor");

    private LabelmapTxt() {
    }

    /** One class line: index (line order), name, colour 0xRRGGBB. */
    public record Entry(int index, String name, int rgb) {
    }

    /**
     * The file text for the classes, by VOC index from 0 to the largest; an index no class has (a gap) gets the
     * line "unused&lt;i&gt;:" with its VOC palette colour so every later line keeps its index. ':' and line breaks in
     * names become '_'.
     */
    public static String format(List<ClassDef> classes) {
        List<ClassDef> sorted = new ArrayList<>(classes);
        sorted.sort(Comparator.comparingInt(ClassDef::vocIndex));
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        int next = 0;
        for (ClassDef c : sorted) {
            if (c.vocIndex() < next) {
                throw new IllegalArgumentException("two classes have VOC index " + c.vocIndex());
            }
            for (; next < c.vocIndex(); next++) {
                line(b, "unused" + next, VocPalette.rgb(next));
            }
            line(b, c.name(), c.rgb());
            next++;
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String name, int rgb) {
        b.append(name.replaceAll("[:\\r\\n]", "_")).append(':').append((rgb >> 16) & 0xff).append(',')
                .append((rgb >> 8) & 0xff).append(',').append(rgb & 0xff).append("::\n");
    }

    /** Parses a labelmap.txt: comment and blank lines are skipped; a line without a valid colour is an error. */
    public static List<Entry> parse(Path file) throws IOException {
        List<Entry> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split(":", -1);
            String name = parts[0].strip();
            int rgb;
            try {
                String[] c = parts.length > 1 ? parts[1].split(",") : new String[0];
                if (c.length != 3) {
                    throw new NumberFormatException();
                }
                int r = Integer.parseInt(c[0].strip());
                int g = Integer.parseInt(c[1].strip());
                int bl = Integer.parseInt(c[2].strip());
                if ((r | g | bl) < 0 || r > 255 || g > 255 || bl > 255) {
                    throw new NumberFormatException();
                }
                rgb = r << 16 | g << 8 | bl;
            } catch (NumberFormatException e) {
                throw new VocFormatException(file + " line " + lineNo + ": expected \"name:r,g,b::\", found \"" + t + "\"");
            }
            if (name.isEmpty()) {
                throw new VocFormatException(file + " line " + lineNo + ": a class without a name");
            }
            out.add(new Entry(out.size(), name, rgb));
        }
        return out;
    }
}
