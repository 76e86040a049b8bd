package org.scribbleseg.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.scribbleseg.engine.util.TaskMonitor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.scribbleseg.engine.nn.Safetensors;
import org.scribbleseg.engine.nn.SafetensorsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's local model cache: downloads catalog checkpoints from the Hugging Face hub (or a mirror), imports local
 * weights, lists and removes them. Layout: {@code <root>/<name>/<files>} plus {@code <root>/<name>/manifest.json}
 * recording each file's size and sha256 and how it was trusted ({@code catalog}: matched the catalog's hash;
 * {@code first-use}: the catalog has no hash, this is the hash of the first complete download — "trust on first
 * use" — and later downloads must match it; {@code import}: hashed when imported).
 *
 * <p>Root: the constructor argument, else system property {@code scribbleseg.models}, else environment variable
 * {@code SCRIBBLESEG_MODELS}, else {@code ~/.cache/scribbleseg/models}. Hub base URL: the constructor argument, else
 * system property {@code scribbleseg.hf.endpoint}, else {@code SCRIBBLESEG_HF_ENDPOINT}, else
 * https://huggingface.co.
 *
 * <p>Downloads: each file goes to {@code <file>.part}; an interrupted transfer is resumed with an HTTP
 * {@code Range} request (within the same call up to {@code maxAttempts} times, and by a later call); the sha256 is
 * computed while writing; only a verified file is renamed to its final name ({@code ATOMIC_MOVE}), so a partial or
 * wrong file is never taken for a complete one. Connect timeout and a read (stall) timeout bound every wait.
 * Offline, the error says so and points at {@code scribbleseg models import}.
 */
public final class ModelStore {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    public static final String MANIFEST = "manifest.json";
    public static final String TRUST_CATALOG = "catalog";
    public static final String TRUST_FIRST_USE = "first-use";
    public static final String TRUST_IMPORT = "import";
    static final String OFFLINE_HINT =
            " — the app keeps working on the classic backbone; import weights with `scribbleseg models import <dir>`";

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A file of an installed model as recorded in its manifest. */
    public record InstalledFile(String path, long size, String sha256, String trust) {
    }

    /** An installed model folder. {@code complete} = every catalog file (or config + weights) is present. */
    public record InstalledModel(String name, Path dir, List<InstalledFile> files, long totalBytes, boolean complete,
                                 String source) {
    }

    private final Path root;
    private final ModelCatalog catalog;
    private final URI baseUrl;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int maxAttempts;
    private final HttpClient http;

    /** A store with the default root, the built-in catalog, the default hub, 10 s connect / 30 s read timeouts. */
    public static ModelStore createDefault() {
        return new ModelStore(defaultRoot(), ModelCatalog.builtIn(), defaultBaseUrl(), Duration.ofSeconds(10),
                Duration.ofSeconds(30), 4);
    }

    public ModelStore(Path root, ModelCatalog catalog, URI baseUrl, Duration connectTimeout, Duration readTimeout,
                      int maxAttempts) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        this.maxAttempts = maxAttempts;
        this.http = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public static Path defaultRoot() {
        String prop = System.getProperty("scribbleseg.models");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("SCRIBBLESEG_MODELS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "scribbleseg", "models");
    }

    public static URI defaultBaseUrl() {
        String prop = System.getProperty("scribbleseg.hf.endpoint");
        if (prop != null && !prop.isBlank()) {
            return URI.create(prop);
        }
        String env = System.getenv("SCRIBBLESEG_HF_ENDPOINT");
        if (env != null && !env.isBlank()) {
            return URI.create(env);
        }
        return ModelCatalog.HUGGING_FACE;
    }

    public Path root() {
        return root;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public URI baseUrl() {
        return baseUrl;
    }

    /** The folder of a model (whether or not it is installed). */
    public Path modelDir(String name) throws ModelStoreException {
        checkName(name);
        return root.resolve(name);
    }

    // ------------------------------------------------------------------ download

    /**
     * Downloads every file of a catalog model that is not installed yet (resuming {@code .part} files), verifies
     * and places it. Returns the model folder.
     */
    public Path download(String nameOrRepo) throws ModelStoreException {
        return download(nameOrRepo, TaskMonitor.NONE);
    }

    /**
     * As {@link #download(String)}, reporting each file's bytes (done, total or -1 when unknown, the file's path in
     * the model) from an HTTP thread, and stopping within a fraction of a second once {@code monitor} is cancelled:
     * the transfer is aborted with {@link DownloadCancelledException} and the {@code .part} file kept, so a later call
     * resumes where this one stopped.
     */
    public Path download(String nameOrRepo, TaskMonitor monitor) throws ModelStoreException {
        TaskMonitor p = TaskMonitor.orNone(monitor);
        BooleanSupplier cancelled = p::isCancelled;
        ModelCatalog.ModelEntry entry = catalog.find(nameOrRepo).orElseThrow(() -> new ModelStoreException(
                "unknown model '" + nameOrRepo + "'; known: "
                        + String.join(", ", catalog.models().stream().map(ModelCatalog.ModelEntry::name).toList())));
        Path dir = root.resolve(entry.name());
        boolean existed = Files.exists(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ModelStoreException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        // one download per model folder at a time, across threads and processes
        Path lockFile = root.resolve("." + entry.name() + ".lock");
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new ModelStoreException("another download of " + entry.name() + " is running (" + lockFile + ")");
            }
            try {
                return downloadLocked(entry, dir, p, cancelled);
            } finally {
                // a download that got nothing (offline, refused) leaves no empty model folder and no lock file behind
                if (!existed) {
                    deleteIfEmpty(dir);
                }
                Files.deleteIfExists(lockFile);
                lock.release();
            }
        } catch (IOException e) {
            throw new ModelStoreException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isEmpty()) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            LOG.debug("cannot tidy {}: {}", dir, e.toString());
        }
    }

    private Path downloadLocked(ModelCatalog.ModelEntry entry, Path dir, TaskMonitor p, BooleanSupplier cancelled)
            throws ModelStoreException {
        ObjectNode manifest = readManifest(dir);
        manifest.put("name", entry.name());
        manifest.put("repo", entry.repo());
        manifest.put("revision", entry.revision());
        manifest.put("source", baseUrl.toString());
        ObjectNode files = filesNode(manifest);
        for (ModelCatalog.FileEntry f : entry.files()) {
            Path target = dir.resolve(f.path());
            JsonNode recorded = files.get(f.path());
            if (recorded != null && Files.isRegularFile(target)) {
                long size = sizeOf(target);
                if (size == recorded.path("size").asLong(-1)) {
                    p.progress(size, size, f.path());
                    continue;
                }
            }
            String expectedSha = f.sha256();
            Long expectedSize = f.size();
            String trust = TRUST_CATALOG;
            if (expectedSha == null) {
                trust = TRUST_FIRST_USE;
                if (recorded != null && recorded.hasNonNull("sha256")) {
                    expectedSha = recorded.get("sha256").asText();
                    expectedSize = recorded.path("size").isNumber() ? recorded.get("size").asLong() : expectedSize;
                }
            }
            URI url = entry.url(baseUrl, f);
            Fetched got = fetch(url, f.path(), target, expectedSha, expectedSize, p, cancelled);
            ObjectNode rec = files.putObject(f.path());
            rec.put("size", got.size());
            rec.put("sha256", got.sha256());
            rec.put("trust", trust);
            rec.put("url", url.toString());
            rec.put("recordedAt", Instant.now().toString());
            writeManifest(dir, manifest);
        }
        return dir;
    }

    private record Fetched(long size, String sha256) {
    }

    /** Thrown inside a transfer for failures worth retrying with a Range request. */
    private static final class Transient extends Exception {
        private static final long serialVersionUID = 1L;

        Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Fetched fetch(URI url, String file, Path target, String expectedSha, Long expectedSize, TaskMonitor progress,
                          BooleanSupplier cancelled) throws ModelStoreException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Transient last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                return fetchOnce(url, file, part, target, expectedSha, expectedSize, progress, cancelled);
            } catch (Transient t) {
                last = t;
                LOG.warn("download of {} interrupted (attempt {}/{}): {}", url, attempt, maxAttempts, t.getMessage());
                if (attempt < maxAttempts) {
                    try {
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(2000, 100L * attempt * attempt));
                        while (System.nanoTime() < until) {
                            throwIfCancelled(cancelled, file, part);
                            Thread.sleep(50);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new ModelStoreException("download of " + file + " interrupted", e);
                    }
                }
            }
        }
        long have = Files.exists(part) ? sizeOf(part) : 0;
        throw new ModelStoreException("download of " + file + " from " + url.getHost() + " failed after " + maxAttempts
                + " attempts: " + last.getMessage() + " (" + have + " bytes kept in " + part.getFileName()
                + "; run the download again to resume)", last);
    }

    private static void throwIfCancelled(BooleanSupplier cancelled, String file, Path part)
            throws DownloadCancelledException {
        if (cancelled.getAsBoolean()) {
            long have = Files.exists(part) ? part.toFile().length() : 0;
            throw new DownloadCancelledException("download of " + file + " cancelled (" + have + " bytes kept in "
                    + part.getFileName() + "; download again to resume)");
        }
    }

    private Fetched fetchOnce(URI url, String file, Path part, Path target, String expectedSha, Long expectedSize,
                              TaskMonitor progress, BooleanSupplier cancelled) throws Transient, ModelStoreException {
        throwIfCancelled(cancelled, file, part);
        long have = Files.exists(part) ? sizeOf(part) : 0;
        if (expectedSize != null && have > expectedSize) {
            deleteQuietly(part);
            have = 0;
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(url).GET().timeout(readTimeout)
                .header("User-Agent", "ScribbleSeg/0.1 (model download)");
        if (have > 0) {
            rb.header("Range", "bytes=" + have + "-");
        }
        PartWriter writer = new PartWriter(part, have, file, expectedSize, progress);
        CompletableFuture<HttpResponse<Long>> future = http.sendAsync(rb.build(), writer);
        long started = System.nanoTime();
        HttpResponse<Long> response;
        try {
            while (true) {
                try {
                    response = future.get(200, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException te) {
                    if (cancelled.getAsBoolean()) {
                        writer.abort();
                        future.cancel(true);
                        throwIfCancelled(cancelled, file, part);
                    }
                    long quietSince = writer.lastActivityNanos == 0 ? started : writer.lastActivityNanos;
                    if (System.nanoTime() - quietSince > readTimeout.toNanos()) {
                        writer.abort();
                        future.cancel(true);
                        throw new Transient("no data for " + readTimeout.toSeconds() + " s (read timeout) after "
                                + writer.done + " bytes", null);
                    }
                }
            }
        } catch (InterruptedException e) {
            writer.abort();
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ModelStoreException("download of " + file + " interrupted", e);
        } catch (ExecutionException e) {
            writer.closeQuietly();
            Throwable c = e.getCause();
            if (c instanceof HttpConnectTimeoutException || c instanceof ConnectException) {
                throw new ModelStoreException("cannot reach " + url.getHost() + ": " + offlineReason(c) + OFFLINE_HINT, c);
            }
            if (c instanceof ModelStoreException mse) {
                throw mse;
            }
            throw new Transient(describe(c), c);
        } finally {
            writer.closeQuietly();
        }
        int status = response.statusCode();
        if (writer.failure != null) {
            throw writer.failure;
        }
        if (writer.badRange) {
            throw new Transient("the server answered the resume request with a different range; restarting from zero",
                    null);
        }
        if (status == 416 && expectedSize != null && have == expectedSize) {
            // the part file already holds the whole file: verify it below
        } else if (status == 416) {
            deleteQuietly(part);
            throw new Transient("server refused the resume range (HTTP 416); restarting from zero", null);
        } else if (status == 404) {
            throw new ModelStoreException(file + " not found at " + url + " (HTTP 404)");
        } else if (status == 401 || status == 403) {
            throw new ModelStoreException("access to " + url + " denied (HTTP " + status
                    + "); the repository may be gated — download it in a browser and use `scribbleseg models import <dir>`");
        } else if (status >= 500) {
            throw new Transient("server error HTTP " + status, null);
        } else if (status != 200 && status != 206) {
            throw new ModelStoreException("unexpected HTTP " + status + " for " + url);
        } else if (writer.total >= 0 && writer.done != writer.total) {
            throw new Transient("connection closed after " + writer.done + " of " + writer.total + " bytes", null);
        }
        // verify the complete part file
        long size = sizeOf(part);
        String sha = sha256Of(part);
        if (expectedSize != null && size != expectedSize) {
            deleteQuietly(part);
            throw new ModelStoreException("size mismatch for " + file + ": expected " + expectedSize + " bytes, got " + size
                    + "; the download was discarded");
        }
        if (expectedSha != null && !expectedSha.equals(sha)) {
            deleteQuietly(part);
            throw new ModelStoreException("checksum mismatch for " + file + ": expected sha256 " + expectedSha + ", got "
                    + sha + "; the download was discarded");
        }
        moveAtomically(part, target);
        return new Fetched(size, sha);
    }

    /**
     * Body handler + subscriber writing the response into the part file (appending on 206, truncating on 200),
     * recording progress and the time of the last data.
     */
    private final class PartWriter implements HttpResponse.BodyHandler<Long>, HttpResponse.BodySubscriber<Long> {
        private final Path part;
        private final long have;
        private final String file;
        private final Long expectedSize;
        private final TaskMonitor progress;
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private volatile Flow.Subscription subscription;
        private FileChannel channel;
        volatile long lastActivityNanos;
        volatile long done;
        volatile long total = -1;
        volatile ModelStoreException failure;
        volatile boolean badRange;

        PartWriter(Path part, long have, String file, Long expectedSize, TaskMonitor progress) {
            this.part = part;
            this.have = have;
            this.file = file;
            this.expectedSize = expectedSize;
            this.progress = progress;
        }

        @Override
        public HttpResponse.BodySubscriber<Long> apply(HttpResponse.ResponseInfo info) {
            lastActivityNanos = System.nanoTime();
            int status = info.statusCode();
            long start;
            if (status == 206) {
                Optional<String> cr = info.headers().firstValue("Content-Range");
                Matcher m = cr.map(CONTENT_RANGE::matcher).filter(Matcher::matches).orElse(null);
                if (m == null || Long.parseLong(m.group(1)) != have) {
                    badRange = true;
                    deleteQuietly(part);
                    return HttpResponse.BodySubscribers.replacing(-1L); // status 206 with a bad range: retried
                }
                start = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 200) {
                start = 0;
                long len = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                total = len;
            } else {
                return HttpResponse.BodySubscribers.replacing(-1L);
            }
            if (expectedSize != null && total >= 0 && total != expectedSize) {
                failure = new ModelStoreException("size mismatch for " + file + ": the server offers " + total
                        + " bytes, the catalog says " + expectedSize + "; nothing was downloaded");
                return HttpResponse.BodySubscribers.replacing(-1L);
            }
            try {
                channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                channel.truncate(start);
                channel.position(start);
            } catch (IOException e) {
                failure = new ModelStoreException("cannot write " + part + ": " + e.getMessage(), e);
                return HttpResponse.BodySubscribers.replacing(-1L);
            }
            done = start;
            progress.progress(done, total, file);
            return this;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            try {
                for (ByteBuffer b : items) {
                    while (b.hasRemaining()) {
                        done += channel.write(b);
                    }
                }
                lastActivityNanos = System.nanoTime();
                progress.progress(done, total, file);
                subscription.request(1);
            } catch (IOException | RuntimeException e) {
                subscription.cancel();
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            closeQuietly();
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            try {
                channel.force(true);
            } catch (IOException e) {
                result.completeExceptionally(e);
                return;
            } finally {
                closeQuietly();
            }
            result.complete(done);
        }

        @Override
        public java.util.concurrent.CompletionStage<Long> getBody() {
            return result;
        }

        void abort() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            result.completeExceptionally(new IOException("read timeout"));
            closeQuietly();
        }

        synchronized void closeQuietly() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    // ------------------------------------------------------------------ import

    /**
     * Imports weights from a folder (with {@code config.json} and {@code model.safetensors}, plus {@code vocab.json}
     * / {@code merges.txt} when present) or from a {@code .safetensors} file (its folder must hold
     * {@code config.json}). Validates both files, copies them into {@code <root>/<name>} (staged in a temporary folder
     * and renamed), hashes them into the manifest. {@code name} null = the source folder's name.
     */
    public Path importModel(Path source, String name) throws ModelStoreException {
        return importModel(source, name, TaskMonitor.NONE);
    }

    /**
     * As {@link #importModel(Path, String)}, reporting each file before it is copied (files done, files, its name);
     * a cancelled {@code monitor} stops before the next file and leaves nothing behind.
     */
    public Path importModel(Path source, String name, TaskMonitor monitor) throws ModelStoreException {
        TaskMonitor progress = TaskMonitor.orNone(monitor);
        Path src = source.toAbsolutePath().normalize();
        Path weights;
        Path folder;
        if (Files.isDirectory(src)) {
            folder = src;
            weights = src.resolve("model.safetensors");
        } else if (Files.isRegularFile(src) && src.getFileName().toString().endsWith(".safetensors")) {
            folder = src.getParent();
            weights = src;
        } else {
            throw new ModelStoreException(source + " is neither a model folder nor a .safetensors file");
        }
        String target = name != null ? name : folder.getFileName().toString();
        checkName(target);
        Path config = folder.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new ModelStoreException("config.json not found in " + folder);
        }
        if (!Files.isRegularFile(weights)) {
            throw new ModelStoreException("model.safetensors not found in " + folder);
        }
        validateConfig(config);
        int tensors = validateSafetensorsHeader(weights);
        ConfigCheck.againstWeights(config, weights);
        LOG.info("importing {} ({} tensors) as {}", weights, tensors, target);
        List<Path> toCopy = new ArrayList<>(List.of(config, weights));
        for (String extra : List.of("vocab.json", "merges.txt")) {
            if (Files.isRegularFile(folder.resolve(extra))) {
                toCopy.add(folder.resolve(extra));
            }
        }
        Path dir = root.resolve(target);
        Path staging = root.resolve(".import-" + target + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.createDirectories(staging);
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("name", target);
            manifest.put("source", "import:" + src);
            ObjectNode files = manifest.putObject("files");
            for (Path f : toCopy) {
                String fileName = f == weights ? "model.safetensors" : f.getFileName().toString();
                if (progress.isCancelled()) {
                    throw new ModelStoreException("import of " + target + " cancelled; nothing was installed");
                }
                progress.progress(files.size(), toCopy.size(), fileName);
                Path dst = staging.resolve(fileName);
                Files.copy(f, dst, StandardCopyOption.REPLACE_EXISTING);
                ObjectNode rec = files.putObject(fileName);
                rec.put("size", Files.size(dst));
                rec.put("sha256", sha256Of(dst));
                rec.put("trust", TRUST_IMPORT);
                rec.put("recordedAt", Instant.now().toString());
            }
            catalog.find(target).ifPresent(e -> manifest.put("repo", e.repo()));
            checkAgainstCatalog(target, files);
            writeManifest(staging, manifest);
            if (Files.exists(dir)) {
                org.scribbleseg.engine.util.FileTrees.delete(dir);
            }
            moveAtomically(staging, dir);
            return dir;
        } catch (IOException e) {
            throw new ModelStoreException("cannot import " + source + ": " + e.getMessage(), e);
        } finally {
            try {
                if (Files.exists(staging)) {
                    org.scribbleseg.engine.util.FileTrees.delete(staging);
                }
            } catch (IOException e) {
                LOG.warn("cannot clean {}: {}", staging, e.toString());
            }
        }
    }

    private void checkAgainstCatalog(String name, ObjectNode files) throws ModelStoreException {
        Optional<ModelCatalog.ModelEntry> entry = catalog.find(name);
        if (entry.isEmpty()) {
            return;
        }
        for (ModelCatalog.FileEntry f : entry.get().files()) {
            JsonNode rec = files.get(f.path());
            if (rec != null && f.sha256() != null && !f.sha256().equals(rec.get("sha256").asText())) {
                throw new ModelStoreException(f.path() + " differs from the catalog's " + name + " (sha256 "
                        + rec.get("sha256").asText() + ", expected " + f.sha256() + "); import it under another name");
            }
        }
    }

    static void validateConfig(Path config) throws ModelStoreException {
        try {
            JsonNode n = JSON.readTree(config.toFile());
            if (n == null || !n.isObject()) {
                throw new ModelStoreException(config + " is not a JSON object");
            }
        } catch (IOException e) {
            throw new ModelStoreException(config + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * Validates a safetensors file completely with {@link Safetensors#open} (header length, JSON, dtypes, shapes,
     * offsets inside the data area, no overlaps); returns the tensor count.
     */
    public static int validateSafetensorsHeader(Path file) throws ModelStoreException {
        try (Safetensors st = Safetensors.open(file)) {
            if (st.names().isEmpty()) {
                throw new ModelStoreException(file + " holds no tensors");
            }
            return st.names().size();
        } catch (SafetensorsException e) {
            throw new ModelStoreException("invalid safetensors file " + firstLine(e.getMessage()), e);
        }
    }

    // ------------------------------------------------------------------ list / remove / verify

    /** Installed models (folders under the root holding a manifest or model weights), sorted by name. */
    public List<InstalledModel> list() throws ModelStoreException {
        List<InstalledModel> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path dir : ds) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir) || name.startsWith(".")) {
                    continue;
                }
                installed(name).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new ModelStoreException("cannot list " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(InstalledModel::name));
        return out;
    }

    /** One installed model, if its folder exists. */
    public Optional<InstalledModel> installed(String name) throws ModelStoreException {
        Path dir = modelDir(name);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        ObjectNode manifest = readManifest(dir);
        List<InstalledFile> files = new ArrayList<>();
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = filesNode(manifest).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (Files.isRegularFile(dir.resolve(e.getKey()))) {
                long size = e.getValue().path("size").asLong();
                files.add(new InstalledFile(e.getKey(), size, e.getValue().path("sha256").asText(null),
                        e.getValue().path("trust").asText(null)));
                total += size;
            }
        }
        Optional<ModelCatalog.ModelEntry> entry = catalog.find(name);
        List<String> needed = entry.map(en -> en.files().stream().map(ModelCatalog.FileEntry::path).toList())
                .orElse(List.of("config.json", "model.safetensors"));
        boolean complete = needed.stream().allMatch(p -> files.stream().anyMatch(f -> f.path().equals(p)));
        if (files.isEmpty() && !Files.isRegularFile(dir.resolve("model.safetensors"))
                && !hasPartFiles(dir)) {
            return Optional.empty();
        }
        return Optional.of(new InstalledModel(name, dir, List.copyOf(files), total, complete,
                manifest.path("source").asText(null)));
    }

    private static boolean hasPartFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".part"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Re-hashes the installed files; returns the paths whose size or sha256 differ from the manifest. */
    public List<String> verify(String name) throws ModelStoreException {
        Path dir = modelDir(name);
        List<String> bad = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = filesNode(readManifest(dir)).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f) || sizeOf(f) != e.getValue().path("size").asLong(-1)
                    || !sha256Of(f).equals(e.getValue().path("sha256").asText())) {
                bad.add(e.getKey());
            }
        }
        return bad;
    }

    /** Deletes a model folder (including partial downloads); false if it was not there. */
    public boolean remove(String name) throws ModelStoreException {
        Path dir = modelDir(name);
        if (!Files.exists(dir)) {
            return false;
        }
        try {
            org.scribbleseg.engine.util.FileTrees.delete(dir);
            return true;
        } catch (IOException e) {
            throw new ModelStoreException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void checkName(String name) throws ModelStoreException {
        if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
            throw new ModelStoreException("invalid model name '" + name + "' (letters, digits, '.', '_', '-')");
        }
    }

    private static ObjectNode readManifest(Path dir) throws ModelStoreException {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(f.toFile());
            if (n instanceof ObjectNode o) {
                return o;
            }
            throw new ModelStoreException(f + " is not a JSON object");
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + f + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static ObjectNode filesNode(ObjectNode manifest) {
        JsonNode n = manifest.get("files");
        if (n instanceof ObjectNode o) {
            return o;
        }
        return manifest.putObject("files");
    }

    private static void writeManifest(Path dir, ObjectNode manifest) throws ModelStoreException {
        Path f = dir.resolve(MANIFEST);
        Path tmp = dir.resolve(MANIFEST + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), manifest);
            moveAtomically(tmp, f);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new ModelStoreException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    private static void moveAtomically(Path from, Path to) throws ModelStoreException {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ModelStoreException("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    static String sha256Of(Path file) throws ModelStoreException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long sizeOf(Path f) throws ModelStoreException {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.toString());
        }
    }

    private String offlineReason(Throwable t) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (x instanceof java.nio.channels.UnresolvedAddressException || x instanceof java.net.UnknownHostException) {
                return "the host name cannot be resolved (offline or no DNS)";
            }
        }
        if (t instanceof HttpConnectTimeoutException) {
            return "no connection within " + connectTimeout.toSeconds() + " s";
        }
        String m = describe(t);
        return m.contains("Connection refused") || t.getMessage() == null ? "connection refused" : m;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        if (m == null && t.getCause() != null) {
            return describe(t.getCause());
        }
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + firstLine(m));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse(s);
    }
}
