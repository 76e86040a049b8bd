package org.scribbleseg.engine.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes {@code .safetensors} files (F32 and I64 tensors, optional {@code __metadata__}), in insertion order.
 * The file is written to a temporary sibling and moved into place, so a crash never leaves a half-written file.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(DType dtype, long[] shape, float[] floats, long[] longs) {
        long bytes() {
            return (long) (floats != null ? floats.length : longs.length) * dtype.bytes();
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter put(String name, long[] shape, float[] data) {
        checkShape(name, shape, data.length);
        entries.put(name, new Entry(DType.F32, shape.clone(), data, null));
        return this;
    }

    public SafetensorsWriter put(String name, long[] shape, long[] data) {
        checkShape(name, shape, data.length);
        entries.put(name, new Entry(DType.I64, shape.clone(), null, data));
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    private static void checkShape(String name, long[] shape, int length) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + length);
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes as the reference implementation does. */
    byte[] header() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype().name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + e.getValue().bytes();
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] header = header();
        try (OutputStream os = Files.newOutputStream(tmp)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            os.write(len.array());
            os.write(header);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries.values()) {
                int n = e.floats() != null ? e.floats().length : e.longs().length;
                for (int i = 0; i < n; i++) {
                    if (buf.remaining() < 8) {
                        os.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    if (e.floats() != null) {
                        buf.putFloat(e.floats()[i]);
                    } else {
                        buf.putLong(e.longs()[i]);
                    }
                }
            }
            os.write(buf.array(), 0, buf.position());
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Header text for debugging. */
    @Override
    public String toString() {
        return new String(header(), StandardCharsets.UTF_8).trim();
    }
}
