package org.scribbleseg.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reader for Hugging Face {@code .safetensors} files: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the raw data region.
 *
 * <p>The header is validated completely on open (length bounds, JSON, dtype, shape × dtype size = byte length,
 * offsets inside the data region, no overlaps), so a truncated or forged file fails with a
 * {@link SafetensorsException} naming the file and the tensor before any data is touched. Tensor data is read
 * through memory maps of the tensor's own byte range; F16 and BF16 are widened exactly to float32.
 */
public final class Safetensors implements AutoCloseable {

    /** Largest header accepted (the biggest real checkpoints have headers well under 1 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final long MAP_CHUNK = 1L << 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}. The caller closes the returned reader. */
    public static Safetensors open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot open: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(file + ": truncated: " + size + " bytes, no header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file + ": header length " + Long.toUnsignedString(headerLen)
                        + " out of bounds (2.." + MAX_HEADER_BYTES + ")");
            }
            if (headerLen > size - 8) {
                throw new SafetensorsException(file + ": truncated: header length " + headerLen + " but only "
                        + (size - 8) + " bytes follow");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8, file);
            String header = new String(hb.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLen;
            Parsed parsed = parseHeader(file, header, size - dataStart);
            return new Safetensors(file, ch, dataStart, parsed.tensors, parsed.metadata);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new SafetensorsException(file + ": read failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private record Parsed(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    private static Parsed parseHeader(Path file, String header, long dataLen) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file + ": header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file + ": header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if ("__metadata__".equals(name)) {
                if (!v.isObject()) {
                    throw new SafetensorsException(file + ": __metadata__ is not an object");
                }
                v.fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw new SafetensorsException(file + ": __metadata__." + m.getKey() + " is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(name, parseTensor(file, name, v, dataLen));
        }
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (prev != null && t.begin() < prev.end() && t.byteLength() > 0) {
                throw new SafetensorsException(file + ": tensor '" + t.name() + "' [" + t.begin() + ", " + t.end()
                        + ") overlaps tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            }
            if (t.byteLength() > 0) {
                prev = t;
            }
        }
        return new Parsed(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode v, long dataLen) {
        String where = file + ": tensor '" + name + "': ";
        if (!v.isObject()) {
            throw new SafetensorsException(where + "entry is not an object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsException(where + "missing dtype");
        }
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) {
            throw new SafetensorsException(where + "unsupported dtype " + dt.asText());
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafetensorsException(where + "missing shape");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                    throw new SafetensorsException(where + "bad shape " + sh);
                }
                shape[i] = d.asLong();
                numel = Math.multiplyExact(numel, shape[i]);
            }
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + "shape " + sh + " overflows");
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong() || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new SafetensorsException(where + "bad data_offsets " + off);
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw new SafetensorsException(where + "data_offsets [" + begin + ", " + end
                    + ") outside the data region of " + dataLen + " bytes (file truncated or forged)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + "shape " + sh + " overflows");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(where + "byte length " + (end - begin) + " != shape " + sh + " x "
                    + dtype + " (" + expected + " bytes)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    public Path file() {
        return file;
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(file + ": no tensor '" + name + "'");
        }
        return t;
    }

    /** The tensor as float32 values (F32/F16/BF16 widened; I32/I64 converted), row-major. */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        int n = checkedNumel(t);
        float[] out = new float[n];
        int[] pos = {0};
        forEachChunk(t, buf -> {
            switch (t.dtype()) {
                case F32 -> {
                    int k = buf.remaining() / 4;
                    buf.asFloatBuffer().get(out, pos[0], k);
                    pos[0] += k;
                }
                case F16 -> {
                    while (buf.remaining() >= 2) {
                        out[pos[0]++] = DType.halfToFloat(buf.getShort());
                    }
                }
                case BF16 -> {
                    while (buf.remaining() >= 2) {
                        out[pos[0]++] = DType.bf16ToFloat(buf.getShort());
                    }
                }
                case I64 -> {
                    while (buf.remaining() >= 8) {
                        out[pos[0]++] = buf.getLong();
                    }
                }
                case I32 -> {
                    while (buf.remaining() >= 4) {
                        out[pos[0]++] = buf.getInt();
                    }
                }
            }
        });
        return out;
    }

    /** The tensor as longs; only for integer dtypes (I64, I32). */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        if (t.dtype().isFloating()) {
            throw new SafetensorsException(file + ": tensor '" + name + "' is " + t.dtype() + ", not an integer tensor");
        }
        int n = checkedNumel(t);
        long[] out = new long[n];
        int[] pos = {0};
        forEachChunk(t, buf -> {
            if (t.dtype() == DType.I64) {
                int k = buf.remaining() / 8;
                buf.asLongBuffer().get(out, pos[0], k);
                pos[0] += k;
            } else {
                while (buf.remaining() >= 4) {
                    out[pos[0]++] = buf.getInt();
                }
            }
        });
        return out;
    }

    /** Float tensors as a FLOAT32 NDArray, integer tensors as INT64, attached to {@code manager}. */
    public NDArray array(NDManager manager, String name) {
        TensorInfo t = info(name);
        Shape shape = new Shape(t.shape());
        if (t.dtype().isFloating()) {
            return manager.create(floats(name), shape);
        }
        return manager.create(longs(name), shape);
    }

    private int checkedNumel(TensorInfo t) {
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 16) {
            throw new SafetensorsException(file + ": tensor '" + t.name() + "' has " + n + " elements, too many for one array");
        }
        return (int) n;
    }

    private interface ChunkConsumer {
        void accept(ByteBuffer buf);
    }

    private void forEachChunk(TensorInfo t, ChunkConsumer consumer) {
        long chunk = MAP_CHUNK - (MAP_CHUNK % t.dtype().bytes());
        try {
            long size = channel.size();
            if (dataStart + t.end() > size) {
                throw new SafetensorsException(file + ": tensor '" + t.name() + "': file shrank, data missing");
            }
            for (long p = t.begin(); p < t.end(); p += chunk) {
                long len = Math.min(chunk, t.end() - p);
                MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + p, len);
                m.order(ByteOrder.LITTLE_ENDIAN);
                consumer.accept(m);
            }
        } catch (IOException e) {
            throw new SafetensorsException(file + ": tensor '" + t.name() + "': read failed: " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new SafetensorsException(file + ": truncated header");
            }
            pos += r;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SafetensorsException(file + ": close failed: " + e.getMessage(), e);
        }
    }
}
