package org.scribbleseg.engine.feature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disk cache of {@link FeatureMap}s per (backbone key, image sha256), stored as
 * {@code <root>/<sanitised backbone key>/<sha256>.bin} where root is {@code <project>/cache/features}.
 *
 * <p>File format, little-endian: a 32-byte header {@code "SSFC"} magic, int32 version (1), int32 channels, int32
 * height, int32 width, int64 payload length in bytes, int32 CRC32 (of the header's first 28 bytes followed by the
 * payload); then the payload: channels × height × width IEEE-754 half floats (binary16, round-to-nearest-even), in
 * {@link FeatureMap}'s CHW order. Values beyond ±65504 become ±infinity; the relative error of normal values is at
 * most 2^-11.
 *
 * <p>Writes go to a temporary file in the same folder which is then renamed over the target with
 * {@code ATOMIC_MOVE}, so a concurrent reader sees either no file, the old one or the new one, never a partial file.
 * A file that fails any check (magic, version, sizes, CRC, truncation) is deleted and reported as a miss, so the
 * caller recomputes it. Thread-safe.
 *
 * <p>Size limit ({@link #setLimitBytes}): after a {@link #put} takes the cache over its limit, the least recently used
 * files (by modification time, which {@link #get} refreshes on a hit) are deleted until it is at 90 % of the limit;
 * the images named by {@link #setPinned} (the current, labelled and next-suggested images) are never evicted, so the
 * cache may stay over its limit when they alone exceed it. An evicted map is a miss: {@link #getOrCompute} recomputes
 * it transparently.
 */
public final class FeatureCache {

    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);

    static final byte[] MAGIC = {'S', 'S', 'F', 'C'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 32;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]+");

    private final Path root;
    /** Read, never written (a read-only project): computed maps are not stored, damaged files not deleted. */
    private final boolean readOnly;
    private volatile long limitBytes = Long.MAX_VALUE;
    private volatile Supplier<java.util.Set<String>> pinned = java.util.Set::of;
    /** Bytes on disk as last counted plus what {@link #put} wrote since; -1 until first counted. */
    private final java.util.concurrent.atomic.AtomicLong approxBytes = new java.util.concurrent.atomic.AtomicLong(-1);
    private final Object evictLock = new Object();

    private FeatureCache(Path root, boolean readOnly) {
        this.root = Objects.requireNonNull(root, "root");
        this.readOnly = readOnly;
    }

    /** The cache of a project folder: {@code <project>/cache/features}. */
    public static FeatureCache forProject(Path projectDir) {
        return new FeatureCache(projectDir.resolve("cache").resolve("features"), false);
    }

    /** The cache of a read-only project: what is there is used, nothing is written. */
    public static FeatureCache readOnlyForProject(Path projectDir) {
        return new FeatureCache(projectDir.resolve("cache").resolve("features"), true);
    }

    /** A cache rooted directly at {@code featuresRoot}. */
    public static FeatureCache atRoot(Path featuresRoot) {
        return new FeatureCache(featuresRoot, false);
    }

    public Path root() {
        return root;
    }

    /** Default size limit of a project's feature cache: 5 GB (DINOv2-B features of ~2,500 images in float16). */
    public static final long DEFAULT_LIMIT_BYTES = 5_000_000_000L;

    /** The size limit ({@link Long#MAX_VALUE}: none); takes effect at the next {@link #put} (call {@link #trim} now). */
    public void setLimitBytes(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("feature cache limit must be positive: " + limit);
        }
        limitBytes = limit;
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** The image sha256s whose maps are never evicted; asked each time the cache evicts. */
    public void setPinned(Supplier<java.util.Set<String>> pinnedShas) {
        pinned = Objects.requireNonNull(pinnedShas, "pinnedShas");
    }

    /** One cached file: its backbone folder, image sha256, size and last use. */
    public record Entry(Path file, String sha256, long bytes, long lastUsedMillis) {
    }

    /** Every cached map file of every backbone (unreadable folders are skipped). */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : dirs) {
                try (var files = Files.newDirectoryStream(dir, "*.bin")) {
                    for (Path f : files) {
                        try {
                            var attrs = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
                            String name = f.getFileName().toString();
                            out.add(new Entry(f, name.substring(0, name.length() - 4), attrs.size(),
                                    attrs.lastModifiedTime().toMillis()));
                        } catch (NoSuchFileException gone) {
                            // evicted or replaced meanwhile
                        }
                    }
                } catch (IOException e) {
                    LOG.warn("cannot list feature cache folder {}: {}", dir, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list feature cache {}: {}", root, e.toString());
        }
        return out;
    }

    /** Bytes the cache holds on disk now (all backbones). */
    public long sizeBytes() {
        long total = 0;
        for (Entry e : entries()) {
            total += e.bytes();
        }
        approxBytes.set(total);
        return total;
    }

    /**
     * Evicts least recently used maps, never a pinned image's, until the cache is at 90 % of its limit; does nothing
     * while it is within the limit. Returns the bytes freed.
     */
    public long trim() {
        if (readOnly || limitBytes == Long.MAX_VALUE) {
            return 0;
        }
        synchronized (evictLock) {
            List<Entry> all = entries();
            long total = 0;
            for (Entry e : all) {
                total += e.bytes();
            }
            approxBytes.set(total);
            if (total <= limitBytes) {
                return 0;
            }
            long target = limitBytes - limitBytes / 10;
            java.util.Set<String> keep = pinned.get();
            all.sort(java.util.Comparator.comparingLong(Entry::lastUsedMillis).thenComparing(e -> e.file().toString()));
            long freed = 0;
            int evicted = 0;
            for (Entry e : all) {
                if (total - freed <= target) {
                    break;
                }
                if (keep.contains(e.sha256())) {
                    continue;
                }
                try {
                    if (Files.deleteIfExists(e.file())) {
                        freed += e.bytes();
                        evicted++;
                    }
                } catch (IOException ex) {
                    LOG.warn("cannot evict {}: {}", e.file(), ex.toString());
                }
            }
            approxBytes.addAndGet(-freed);
            LOG.info("feature cache over its limit ({} MB > {} MB): evicted {} maps, {} MB", total / 1_000_000,
                    limitBytes / 1_000_000, evicted, freed / 1_000_000);
            return freed;
        }
    }

    /** Deletes every cached map of every backbone (they are recomputed when needed); returns the bytes freed. */
    public long clear() {
        if (readOnly) {
            throw new IllegalStateException("the project is read-only: its feature cache cannot be cleared");
        }
        synchronized (evictLock) {
            long freed = 0;
            for (Entry e : entries()) {
                try {
                    if (Files.deleteIfExists(e.file())) {
                        freed += e.bytes();
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException("cannot delete " + e.file(), ex);
                }
            }
            approxBytes.set(0);
            return freed;
        }
    }

    /** The file that holds (or would hold) the map of one image for one backbone. */
    public Path pathFor(String backboneKey, String imageSha256) {
        String sha = Objects.requireNonNull(imageSha256, "imageSha256").toLowerCase(java.util.Locale.ROOT);
        if (!SHA256.matcher(sha).matches()) {
            throw new IllegalArgumentException("not a sha256 hex digest: '" + imageSha256 + "'");
        }
        return root.resolve(sanitiseKey(backboneKey)).resolve(sha + ".bin");
    }

    /**
     * A backbone key as a folder name: characters outside {@code [A-Za-z0-9._-]} become '_'; when that changed
     * anything (or the key is "." / ".."), 8 hex digits of the key's SHA-256 are appended so distinct keys never share
     * a folder.
     */
    public static String sanitiseKey(String backboneKey) {
        Objects.requireNonNull(backboneKey, "backboneKey");
        if (backboneKey.isEmpty()) {
            throw new IllegalArgumentException("empty backbone key");
        }
        if (SAFE.matcher(backboneKey).matches() && !backboneKey.equals(".") && !backboneKey.equals("..")) {
            return backboneKey;
        }
        StringBuilder b = new StringBuilder(backboneKey.length() + 9);
        backboneKey.codePoints().forEach(cp -> b.append(cp < 128 && SAFE.matcher(String.valueOf((char) cp)).matches()
                ? (char) cp : '_'));
        return b + "-" + org.scribbleseg.engine.image.ImageLoader.sha256(backboneKey.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    /** The cached map, or empty when absent or unreadable (a corrupt file is deleted). */
    public Optional<FeatureMap> get(String backboneKey, String imageSha256) {
        Path file = pathFor(backboneKey, imageSha256);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("cannot read cached features {}: {}", file, e.toString());
            return Optional.empty();
        }
        try {
            FeatureMap map = decode(bytes);
            if (!readOnly && limitBytes != Long.MAX_VALUE) {
                touch(file);
            }
            return Optional.of(map);
        } catch (CorruptFeatureFileException e) {
            LOG.warn("discarding corrupt feature cache file {}: {}", file, e.getMessage());
            if (readOnly) {
                return Optional.empty();
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException ex) {
                LOG.warn("cannot delete {}: {}", file, ex.toString());
            }
            return Optional.empty();
        }
    }

    /** True when a file exists for the pair (its content is checked only by {@link #get}). */
    public boolean contains(String backboneKey, String imageSha256) {
        return Files.isRegularFile(pathFor(backboneKey, imageSha256));
    }

    /** Stores a map atomically (temp file + atomic rename), replacing any previous one. */
    public void put(String backboneKey, String imageSha256, FeatureMap map) {
        Path file = pathFor(backboneKey, imageSha256);
        if (readOnly) {
            return;
        }
        byte[] bytes = encode(map);
        try {
            org.scribbleseg.engine.util.AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write feature cache file " + file, e);
        }
        if (limitBytes != Long.MAX_VALUE) {
            long now = approxBytes.get() < 0 ? sizeBytes() : approxBytes.addAndGet(bytes.length);
            if (now > limitBytes) {
                trim();
            }
        }
    }

    /** Marks a file as just used (its modification time is the LRU clock). */
    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // evicted meanwhile, or a read-only file system: the order is only a hint
        }
    }

    /** The cached map, or the computed one (then stored). A corrupt cached file is recomputed. */
    public FeatureMap getOrCompute(String backboneKey, String imageSha256, Supplier<FeatureMap> compute) {
        Optional<FeatureMap> hit = get(backboneKey, imageSha256);
        if (hit.isPresent()) {
            return hit.get();
        }
        FeatureMap map = Objects.requireNonNull(compute.get(), "computed feature map");
        put(backboneKey, imageSha256, map);
        return map;
    }

    /** Deletes the cached map of one image; true if there was one. */
    public boolean remove(String backboneKey, String imageSha256) {
        try {
            return Files.deleteIfExists(pathFor(backboneKey, imageSha256));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ codec

    /** The file bytes of a map (header + half-float payload). */
    public static byte[] encode(FeatureMap map) {
        float[] data = map.data();
        long payload = (long) data.length * 2;
        if (HEADER_BYTES + payload > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("feature map too large for the cache: " + data.length + " values");
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + (int) payload).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putInt(map.channels()).putInt(map.height()).putInt(map.width()).putLong(payload);
        buf.putInt(0); // CRC placeholder
        ShortBuffer sb = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(HEADER_BYTES).slice()
                .order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        short[] halves = new short[data.length];
        for (int i = 0; i < data.length; i++) {
            halves[i] = toHalf(data[i]);
        }
        sb.put(halves);
        byte[] bytes = buf.array();
        buf.putInt(28, crc(bytes));
        return bytes;
    }

    /** Parses file bytes; throws {@link CorruptFeatureFileException} on any inconsistency. */
    public static FeatureMap decode(byte[] bytes) throws CorruptFeatureFileException {
        if (bytes.length < HEADER_BYTES) {
            throw new CorruptFeatureFileException("truncated header: " + bytes.length + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4; i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new CorruptFeatureFileException("bad magic");
            }
        }
        int version = buf.getInt(4);
        if (version != VERSION) {
            throw new CorruptFeatureFileException("unsupported version " + version);
        }
        int c = buf.getInt(8);
        int h = buf.getInt(12);
        int w = buf.getInt(16);
        long payload = buf.getLong(20);
        if (c <= 0 || h <= 0 || w <= 0 || payload != 2L * c * h * w) {
            throw new CorruptFeatureFileException("inconsistent header " + c + "x" + h + "x" + w + ", payload " + payload);
        }
        if (bytes.length != HEADER_BYTES + payload) {
            throw new CorruptFeatureFileException("file has " + bytes.length + " bytes, header says " + (HEADER_BYTES + payload));
        }
        int stored = buf.getInt(28);
        if (stored != crc(bytes)) {
            throw new CorruptFeatureFileException("CRC mismatch");
        }
        ShortBuffer sb = ByteBuffer.wrap(bytes, HEADER_BYTES, (int) payload).slice().order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer();
        float[] data = new float[c * h * w];
        for (int i = 0; i < data.length; i++) {
            data[i] = HALF_TO_FLOAT[sb.get(i) & 0xffff];
        }
        return new FeatureMap(c, h, w, data);
    }

    private static int crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, 28);
        crc.update(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
        return (int) crc.getValue();
    }

    /** Thrown by {@link #decode} for a corrupt or truncated file. */
    public static final class CorruptFeatureFileException extends Exception {
        private static final long serialVersionUID = 1L;

        CorruptFeatureFileException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ binary16

    private static final float[] HALF_TO_FLOAT = new float[1 << 16];

    static {
        for (int i = 0; i < HALF_TO_FLOAT.length; i++) {
            HALF_TO_FLOAT[i] = org.scribbleseg.engine.nn.DType.halfToFloat((short) i);
        }
    }

    /** float32 → IEEE binary16 bits, round to nearest, ties to even; overflow → ±inf; NaN stays NaN. */
    public static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // a carry into the exponent is the correct rounding (up to infinity)
        }
        return (short) (sign | half);
    }

    /** IEEE binary16 bits → float32 (exact). */
    public static float toFloat(short half) {
        return HALF_TO_FLOAT[half & 0xffff];
    }
}
