package org.scribbleseg.engine.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The known real checkpoints (resource {@code models/catalog.json}): DINOv2 small/base/large/giant, their
 * with-registers variants, and CLIP ViT-B/16, each with the files to fetch from the Hugging Face hub. A file's
 * {@code size} / {@code sha256} are null where they were not verified when the catalog was written; the
 * {@link ModelStore} then trusts and records the first complete download.
 */
public final class ModelCatalog {

    /** The public hub; {@link ModelStore} lets tests and mirrors replace it. */
    public static final URI HUGGING_FACE = URI.create("https://huggingface.co");

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /**
     * One file of a checkpoint; size and sha256 may be null (unknown); revision null = the model's revision
     * (a file may come from another branch, e.g. a {@code refs/pr/N} safetensors conversion).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record FileEntry(String path, Long size, String sha256, String revision) {
        public FileEntry(String path, Long size, String sha256) {
            this(path, size, sha256, null);
        }

        public FileEntry {
            Objects.requireNonNull(path, "path");
            if (path.isBlank() || path.startsWith("/") || path.contains("..") || path.contains("\\")) {
                throw new IllegalArgumentException("bad file path in catalog: " + path);
            }
            if (sha256 != null && !SHA256.matcher(sha256).matches()) {
                throw new IllegalArgumentException("bad sha256 for " + path + ": " + sha256);
            }
            if (size != null && size < 0) {
                throw new IllegalArgumentException("negative size for " + path);
            }
        }
    }

    /** One checkpoint: local name (folder name in the store), hub repository, revision and files. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ModelEntry(String name, String repo, String revision, String family, int registers,
                             String description, List<FileEntry> files) {
        public ModelEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(repo, "repo");
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("bad model name in catalog: " + name);
            }
            revision = revision == null ? "main" : revision;
            files = List.copyOf(files);
            if (files.isEmpty()) {
                throw new IllegalArgumentException("model " + name + " lists no files");
            }
        }

        /** {@code <base>/<repo>/resolve/<revision>/<file>}, '/' in the revision escaped as %2F. */
        public URI url(URI base, FileEntry file) {
            String b = base.toString();
            if (b.endsWith("/")) {
                b = b.substring(0, b.length() - 1);
            }
            String rev = file.revision() != null ? file.revision() : revision;
            return URI.create(b + "/" + repo + "/resolve/" + rev.replace("/", "%2F") + "/" + file.path());
        }

        public Optional<FileEntry> file(String path) {
            return files.stream().filter(f -> f.path().equals(path)).findFirst();
        }

        /** Sum of the known file sizes, or -1 when any is unknown. */
        public long knownTotalSize() {
            long sum = 0;
            for (FileEntry f : files) {
                if (f.size() == null) {
                    return -1;
                }
                sum += f.size();
            }
            return sum;
        }

        /** Total of the known file sizes; "~" when some (small) files have no recorded size, "?" when none has. */
        public String sizeText() {
            long total = knownTotalSize();
            if (total >= 0) {
                return humanBytes(total);
            }
            long known = files.stream().filter(f -> f.size() != null).mapToLong(FileEntry::size).sum();
            return known > 0 ? "~" + humanBytes(known) : "?";
        }
    }

    /** "512 B", "1.5 KB", "84.2 MB"; "?" for a negative (unknown) count. */
    public static String humanBytes(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Document(int version, List<ModelEntry> models) {
    }

    private final Map<String, ModelEntry> byName;

    private ModelCatalog(List<ModelEntry> models) {
        Map<String, ModelEntry> m = new LinkedHashMap<>();
        for (ModelEntry e : models) {
            if (m.put(e.name().toLowerCase(Locale.ROOT), e) != null) {
                throw new IllegalArgumentException("duplicate model name in catalog: " + e.name());
            }
        }
        this.byName = m;
    }

    /** The built-in catalog. */
    public static ModelCatalog builtIn() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream("/models/catalog.json")) {
            if (in == null) {
                throw new IllegalStateException("resource /models/catalog.json is missing");
            }
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model catalog", e);
        }
    }

    /** Reads a catalog document (same format as the resource). */
    public static ModelCatalog read(InputStream json) throws IOException {
        Document doc = new ObjectMapper().readValue(json, Document.class);
        if (doc.version() != 1) {
            throw new IOException("unsupported catalog version " + doc.version());
        }
        return new ModelCatalog(doc.models() == null ? List.of() : doc.models());
    }

    /** A catalog of the given entries (tests, mirrors). */
    public static ModelCatalog of(List<ModelEntry> models) {
        return new ModelCatalog(models);
    }

    public List<ModelEntry> models() {
        return List.copyOf(byName.values());
    }

    /** By local name ("dinov2-small") or hub id ("facebook/dinov2-small"), case-insensitive. */
    public Optional<ModelEntry> find(String nameOrRepo) {
        String k = nameOrRepo.toLowerCase(Locale.ROOT);
        ModelEntry e = byName.get(k);
        if (e != null) {
            return Optional.of(e);
        }
        return byName.values().stream().filter(m -> m.repo().equalsIgnoreCase(nameOrRepo)).findFirst();
    }
}
