package org.scribbleseg.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    static final String REPO = "test-org/tiny";

    @TempDir
    Path tmp;

    HttpServer server;
    ExecutorService serverPool;
    final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** path → how many more requests to break: the server sends half the body and drops the connection. */
    final Map<String, AtomicInteger> dropNext = new ConcurrentHashMap<>();
    /** path → how many more requests to stall after half the body. */
    final Map<String, AtomicInteger> stallNext = new ConcurrentHashMap<>();
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    byte[] config;
    byte[] weights;
    byte[] blob;

    @BeforeEach
    void startServer() throws Exception {
        config = resource("/fixtures/clip-tiny/config.json");
        weights = resource("/fixtures/clip-tiny/model.safetensors");
        blob = new byte[300_000 + 77];
        new Random(5).nextBytes(blob);
        files.put("config.json", config);
        files.put("model.safetensors", weights);
        files.put("blob.bin", blob);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverPool = Executors.newCachedThreadPool();
        server.setExecutor(serverPool);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        serverPool.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(path + " range=" + range);
        String prefix = "/" + REPO + "/resolve/main/";
        byte[] body = path.startsWith(prefix) ? files.get(path.substring(prefix.length())) : null;
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        String name = path.substring(prefix.length());
        int start = 0;
        if (range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (!m.matches()) {
                ex.sendResponseHeaders(400, -1);
                ex.close();
                return;
            }
            start = Integer.parseInt(m.group(1));
            if (start >= body.length) {
                ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                ex.sendResponseHeaders(416, -1);
                ex.close();
                return;
            }
            ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - start);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        int len = body.length - start;
        if (take(dropNext, name)) {
            out.write(body, start, len / 2);
            out.flush();
            ex.close(); // fewer bytes than announced: the server closes the connection
            return;
        }
        if (take(stallNext, name)) {
            out.write(body, start, len / 2);
            out.flush();
            try {
                Thread.sleep(4000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        for (int off = start; off < body.length; off += 8192) {
            out.write(body, off, Math.min(8192, body.length - off));
        }
        out.close();
    }

    private static boolean take(Map<String, AtomicInteger> m, String name) {
        AtomicInteger n = m.get(name);
        return n != null && n.getAndUpdate(v -> Math.max(0, v - 1)) > 0;
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    ModelCatalog catalog(String blobSha, Long blobSize) {
        return ModelCatalog.of(List.of(new ModelCatalog.ModelEntry("tiny", REPO, "main", "clip", 0, "test model",
                List.of(new ModelCatalog.FileEntry("config.json", (long) config.length, sha(config)),
                        new ModelCatalog.FileEntry("model.safetensors", null, null),
                        new ModelCatalog.FileEntry("blob.bin", blobSize, blobSha)))));
    }

    ModelStore store(ModelCatalog catalog, int attempts) {
        return new ModelStore(tmp.resolve("models"), catalog, base(), Duration.ofSeconds(5), Duration.ofSeconds(1), attempts);
    }

    @Test
    void fullDownloadVerifiesAndReportsMonotonicProgress() throws Exception {
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 3);
        Map<String, List<long[]>> progress = new ConcurrentHashMap<>();
        Path dir = store.download("tiny", (d, t, f) -> progress.computeIfAbsent(f, k -> Collections.synchronizedList(
                new ArrayList<>())).add(new long[] {d, t}));
        assertThat(dir).isEqualTo(tmp.resolve("models").resolve("tiny"));
        assertThat(Files.readAllBytes(dir.resolve("blob.bin"))).isEqualTo(blob);
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(Files.readAllBytes(dir.resolve("config.json"))).isEqualTo(config);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "config.json", "model.safetensors", "blob.bin", ModelStore.MANIFEST);
        }
        for (var e : progress.entrySet()) {
            List<long[]> pts = e.getValue();
            long size = files.get(e.getKey()).length;
            for (int i = 1; i < pts.size(); i++) {
                assertThat(pts.get(i)[0]).isGreaterThanOrEqualTo(pts.get(i - 1)[0]);
            }
            assertThat(pts.get(pts.size() - 1)).containsExactly(size, size);
        }
        assertThat(progress.get("model.safetensors").size()).isGreaterThan(10);

        JsonNode manifest = new ObjectMapper().readTree(dir.resolve(ModelStore.MANIFEST).toFile());
        assertThat(manifest.at("/files/blob.bin/trust").asText()).isEqualTo(ModelStore.TRUST_CATALOG);
        assertThat(manifest.at("/files/model.safetensors/trust").asText()).isEqualTo(ModelStore.TRUST_FIRST_USE);
        assertThat(manifest.at("/files/model.safetensors/sha256").asText()).isEqualTo(sha(weights));
        assertThat(store.verify("tiny")).isEmpty();
        ModelStore.InstalledModel m = store.installed("tiny").orElseThrow();
        assertThat(m.complete()).isTrue();
        assertThat(m.totalBytes()).isEqualTo(config.length + weights.length + blob.length);

        int requests = log.size();
        store.download("tiny", null); // already installed: no request
        assertThat(log).hasSize(requests);
    }

    @Test
    void resumesWithRangeAfterADroppedConnection() throws Exception {
        dropNext.put("blob.bin", new AtomicInteger(1));
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 3);
        List<long[]> blobProgress = Collections.synchronizedList(new ArrayList<>());
        Path dir = store.download("tiny", (d, t, f) -> {
            if (f.equals("blob.bin")) {
                blobProgress.add(new long[] {d, t});
            }
        });
        List<String> blobRequests = log.stream().filter(l -> l.contains("blob.bin")).toList();
        assertThat(blobRequests).hasSize(2);
        assertThat(blobRequests.get(0)).endsWith("range=null");
        Matcher m = Pattern.compile(".*range=bytes=(\\d+)-").matcher(blobRequests.get(1));
        assertThat(m.matches()).as(blobRequests.get(1)).isTrue();
        long resumedAt = Long.parseLong(m.group(1));
        assertThat(resumedAt).isPositive().isLessThan(blob.length);
        assertThat(Files.readAllBytes(dir.resolve("blob.bin"))).isEqualTo(blob);
        assertThat(dir.resolve("blob.bin.part")).doesNotExist();
        for (int i = 1; i < blobProgress.size(); i++) {
            assertThat(blobProgress.get(i)[0]).isGreaterThanOrEqualTo(blobProgress.get(i - 1)[0]);
        }
        assertThat(blobProgress.get(blobProgress.size() - 1)[0]).isEqualTo(blob.length);
    }

    @Test
    void aFailedDownloadLeavesOnlyAPartFileAndALaterCallResumes() throws Exception {
        dropNext.put("model.safetensors", new AtomicInteger(1));
        ModelStore once = store(catalog(sha(blob), (long) blob.length), 1);
        assertThatThrownBy(() -> once.download("tiny", null))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("resume");
        Path dir = tmp.resolve("models").resolve("tiny");
        assertThat(dir.resolve("model.safetensors")).doesNotExist();
        assertThat(dir.resolve("model.safetensors.part")).exists();
        long partial = Files.size(dir.resolve("model.safetensors.part"));
        assertThat(partial).isPositive().isLessThan(weights.length);
        assertThat(once.installed("tiny").orElseThrow().complete()).isFalse();

        once.download("tiny", null);
        assertThat(log).anyMatch(l -> l.contains("model.safetensors range=bytes=" + partial + "-"));
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(once.verify("tiny")).isEmpty();
    }

    @Test
    void wrongChecksumIsRejectedAndNothingIsPlaced() {
        byte[] other = blob.clone();
        other[1000] ^= 1;
        ModelStore store = store(catalog(sha(other), (long) blob.length), 3);
        assertThatThrownBy(() -> store.download("tiny", null))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("checksum mismatch for blob.bin")
                .hasMessageContaining(sha(other));
        Path dir = tmp.resolve("models").resolve("tiny");
        assertThat(dir.resolve("blob.bin")).doesNotExist();
        assertThat(dir.resolve("blob.bin.part")).doesNotExist();
    }

    @Test
    void wrongSizeIsRejectedBeforeDownloading() {
        ModelStore store = store(catalog(sha(blob), blob.length + 1L), 3);
        assertThatThrownBy(() -> store.download("tiny", null))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("size mismatch for blob.bin");
        assertThat(tmp.resolve("models").resolve("tiny").resolve("blob.bin")).doesNotExist();
    }

    @Test
    void trustOnFirstUseCatchesALaterChange() throws Exception {
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 2);
        Path dir = store.download("tiny", null);
        Files.delete(dir.resolve("model.safetensors"));
        byte[] changed = weights.clone();
        changed[changed.length - 1] ^= 0x55;
        files.put("model.safetensors", changed);
        assertThatThrownBy(() -> store.download("tiny", null))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageContaining("checksum mismatch for model.safetensors");
        assertThat(dir.resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void offlineGivesAClearMessageQuickly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ModelStore store = new ModelStore(tmp.resolve("models"), catalog(sha(blob), (long) blob.length),
                URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(10), Duration.ofSeconds(10), 3);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.download("tiny", null))
                .isInstanceOf(ModelStoreException.class)
                .hasMessageStartingWith("cannot reach 127.0.0.1: connection refused")
                .hasMessageContaining("classic backbone")
                .hasMessageContaining("scribbleseg models import");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(tmp.resolve("models").resolve("tiny").resolve("config.json")).doesNotExist();
    }

    @Test
    void aStalledTransferTimesOutAndResumes() throws Exception {
        stallNext.put("blob.bin", new AtomicInteger(1));
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 2);
        long t0 = System.nanoTime();
        Path dir = store.download("tiny", null);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        assertThat(Files.readAllBytes(dir.resolve("blob.bin"))).isEqualTo(blob);
        assertThat(log.stream().filter(l -> l.contains("blob.bin range=bytes="))).hasSize(1);
    }

    @Test
    void cancellingStopsADownloadQuicklyKeepsThePartAndTheNextDownloadResumesWithProgress() throws Exception {
        stallNext.put("model.safetensors", new AtomicInteger(1));
        ModelStore store = new ModelStore(tmp.resolve("models"), catalog(sha(blob), (long) blob.length), base(),
                Duration.ofSeconds(5), Duration.ofSeconds(20), 1);
        try (ModelDownloads downloads = new ModelDownloads(store)) {
            RecordingListener first = new RecordingListener();
            ModelDownloads.Download d = downloads.start("tiny", first);
            assertThat(first.firstWeights.await(10, TimeUnit.SECONDS)).isTrue();
            Path part = tmp.resolve("models").resolve("tiny").resolve("model.safetensors.part");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while ((!Files.exists(part) || Files.size(part) == 0) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // the server stalls after half the weights: the listener still hears that last count
            long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (first.statuses.stream().noneMatch(st -> st.file().equals("model.safetensors")
                    && st.fileDone() == weights.length / 2) && System.nanoTime() < deadline2) {
                Thread.sleep(20);
            }
            assertThat(first.statuses.get(first.statuses.size() - 1).fileDone()).isEqualTo(weights.length / 2);
            long t0 = System.nanoTime();
            d.cancel();
            assertThat(first.end.await(3, TimeUnit.SECONDS)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(first.outcome).startsWith("cancelled: download of model.safetensors cancelled");
            Path dir = tmp.resolve("models").resolve("tiny");
            assertThat(dir.resolve("model.safetensors")).doesNotExist();
            long partial = Files.size(dir.resolve("model.safetensors.part"));
            assertThat(partial).isPositive().isLessThan(weights.length);
            assertThat(store.installed("tiny").orElseThrow().complete()).isFalse();

            RecordingListener second = new RecordingListener();
            downloads.start("tiny", second);
            assertThat(second.end.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(second.outcome).isEqualTo("done: " + dir);
            assertThat(log).anyMatch(l -> l.contains("model.safetensors range=bytes=" + partial + "-"));
            assertThat(store.verify("tiny")).isEmpty();
            assertThat(store.installed("tiny").orElseThrow().complete()).isTrue();
            ModelDownloads.Status last = second.statuses.get(second.statuses.size() - 1);
            assertThat(last.file()).isEqualTo("blob.bin");
            assertThat(last.fileDone()).isEqualTo(blob.length);
            assertThat(last.fileTotal()).isEqualTo(blob.length);
            assertThat(last.secondsLeft()).isZero();
            // only what this download fetched counts: the resumed weights' remainder and the blob
            assertThat(last.received()).isEqualTo(weights.length - partial + blob.length);
            assertThat(last.bytesPerSecond()).isPositive();
        }
    }

    /** Records a {@link ModelDownloads} download's statuses and its outcome. */
    static final class RecordingListener implements ModelDownloads.Listener {
        final List<ModelDownloads.Status> statuses = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstWeights = new CountDownLatch(1);
        final CountDownLatch end = new CountDownLatch(1);
        volatile String outcome;

        @Override
        public void progress(ModelDownloads.Status status) {
            statuses.add(status);
            if (status.file().equals("model.safetensors")) {
                firstWeights.countDown();
            }
        }

        @Override
        public void done(Path dir) {
            outcome = "done: " + dir;
            end.countDown();
        }

        @Override
        public void failed(ModelStoreException error) {
            outcome = "failed: " + error.getMessage();
            end.countDown();
        }

        @Override
        public void cancelled(String message) {
            outcome = "cancelled: " + message;
            end.countDown();
        }
    }

    @Test
    void aSecondConcurrentDownloadOfTheSameModelIsRefused() throws Exception {
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 1);
        Files.createDirectories(store.root());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(store.root().resolve(".tiny.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock held = ch.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThatThrownBy(() -> store.download("tiny", null)).hasMessageContaining("another download of tiny");
        }
        assertThat(log).isEmpty();
        store.download("tiny", null);
        assertThat(store.verify("tiny")).isEmpty();
    }

    @Test
    void unknownModelAndMissingFileAreReported() {
        ModelStore store = store(catalog(sha(blob), (long) blob.length), 1);
        assertThatThrownBy(() -> store.download("nope", null)).hasMessageContaining("unknown model 'nope'")
                .hasMessageContaining("tiny");
        files.remove("blob.bin");
        assertThatThrownBy(() -> store.download("tiny", null)).hasMessageContaining("HTTP 404");
    }

    @Test
    void importsAFolderValidatesAndRemoves() throws Exception {
        Path src = tmp.resolve("my-clip");
        Files.createDirectories(src);
        Files.write(src.resolve("config.json"), config);
        Files.write(src.resolve("model.safetensors"), weights);
        ModelStore store = store(ModelCatalog.builtIn(), 1);
        Path dir = store.importModel(src, null);
        assertThat(dir).isEqualTo(tmp.resolve("models").resolve("my-clip"));
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        List<ModelStore.InstalledModel> list = store.list();
        assertThat(list).extracting(ModelStore.InstalledModel::name).containsExactly("my-clip");
        assertThat(list.get(0).complete()).isTrue();
        assertThat(list.get(0).files()).allMatch(f -> f.trust().equals(ModelStore.TRUST_IMPORT));
        assertThat(store.verify("my-clip")).isEmpty();

        // a single .safetensors file (config.json next to it) under another name
        Path dir2 = store.importModel(src.resolve("model.safetensors"), "copy2");
        assertThat(Files.readAllBytes(dir2.resolve("config.json"))).isEqualTo(config);

        assertThat(store.remove("my-clip")).isTrue();
        assertThat(dir).doesNotExist();
        assertThat(store.remove("my-clip")).isFalse();
        try (var s = Files.list(tmp.resolve("models"))) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("copy2");
        }
    }

    @Test
    void importRejectsBrokenFiles() throws Exception {
        ModelStore store = store(ModelCatalog.builtIn(), 1);
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Files.write(bad.resolve("config.json"), config);
        byte[] broken = weights.clone();
        ByteBuffer.wrap(broken).order(ByteOrder.LITTLE_ENDIAN).putLong(0, weights.length * 2L);
        Files.write(bad.resolve("model.safetensors"), broken);
        assertThatThrownBy(() -> store.importModel(bad, null)).hasMessageContaining("invalid safetensors file").hasMessageContaining("header length");

        byte[] notJson = weights.clone();
        notJson[8] = 'x';
        Files.write(bad.resolve("model.safetensors"), notJson);
        assertThatThrownBy(() -> store.importModel(bad, null)).hasMessageContaining("invalid safetensors file").hasMessageContaining("JSON");

        byte[] truncated = java.util.Arrays.copyOf(weights, weights.length - 10);
        Files.write(bad.resolve("model.safetensors"), truncated);
        assertThatThrownBy(() -> store.importModel(bad, null)).hasMessageContaining("invalid safetensors file");

        Files.write(bad.resolve("model.safetensors"), weights);
        Files.writeString(bad.resolve("config.json"), "{\"hidden_size\": 64,", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.importModel(bad, null)).hasMessageContaining("config.json is not valid JSON");
        assertThat(tmp.resolve("models").resolve("bad")).doesNotExist();
        assertThatThrownBy(() -> store.importModel(bad, "../evil")).hasMessageContaining("invalid model name");
        assertThat(ModelStore.validateSafetensorsHeader(tmp.resolve("bad").resolve("model.safetensors")))
                .as("tensors in the clip-tiny fixture").isEqualTo(110);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ModelStoreTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
