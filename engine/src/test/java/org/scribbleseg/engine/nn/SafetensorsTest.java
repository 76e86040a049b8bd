package org.scribbleseg.engine.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A raw file: header length, header text, data bytes. */
    private Path raw(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    @Test
    void roundTripFloatsLongsAndMetadata() throws IOException {
        float[] w = {1.5f, -2.25f, 3f, Float.MIN_VALUE, Float.MAX_VALUE, -0f};
        long[] ids = {49406, 1, -7, Long.MAX_VALUE};
        Path p = dir.resolve("rt.safetensors");
        new SafetensorsWriter().metadata("format", "pt").put("w", new long[] {2, 3}, w)
                .put("ids", new long[] {4}, ids).put("scalar", new long[] {}, new float[] {2.5f}).write(p);
        try (Safetensors st = Safetensors.open(p); NDManager m = NDManager.newBaseManager()) {
            assertThat(st.names()).containsExactly("w", "ids", "scalar");
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.floats("w")).containsExactly(w);
            assertThat(st.longs("ids")).containsExactly(ids);
            assertThat(st.info("scalar").shape()).isEmpty();
            assertThat(st.floats("scalar")).containsExactly(2.5f);
            NDArray a = st.array(m, "w");
            assertThat(a.getShape().getShape()).containsExactly(2, 3);
            assertThat(a.toFloatArray()).containsExactly(w);
            assertThat(st.array(m, "ids").toLongArray()).containsExactly(ids);
            assertThatThrownBy(() -> st.floats("nope")).isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("nope").hasMessageContaining("rt.safetensors");
            assertThatThrownBy(() -> st.longs("w")).isInstanceOf(SafetensorsException.class);
        }
        // header is 8-byte aligned
        long len = ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(len % 8).isZero();
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        Path p = dir.resolve("t.safetensors");
        new SafetensorsWriter().put("a", new long[] {4}, new float[4]).put("big", new long[] {100}, new float[100]).write(p);
        byte[] all = Files.readAllBytes(p);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 10));
        assertThatThrownBy(() -> Safetensors.open(cut)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("cut.safetensors").hasMessageContaining("'big'");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, Arrays.copyOf(all, 5));
        assertThatThrownBy(() -> Safetensors.open(tiny)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("truncated");
        Path headerCut = dir.resolve("hc.safetensors");
        Files.write(headerCut, Arrays.copyOf(all, 20));
        assertThatThrownBy(() -> Safetensors.open(headerCut)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void forgedOffsetsAndOverlapsAreRejected() throws IOException {
        byte[] data = new byte[32];
        Path outside = raw("o.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[8],\"data_offsets\":[8,40]}}", data);
        assertThatThrownBy(() -> Safetensors.open(outside)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("'x'").hasMessageContaining("outside");
        Path overlap = raw("ov.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"y\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", data);
        assertThatThrownBy(() -> Safetensors.open(overlap)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("overlaps");
        Path wrongSize = raw("ws.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", data);
        assertThatThrownBy(() -> Safetensors.open(wrongSize)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("'x'").hasMessageContaining("byte length");
        Path negative = raw("neg.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-16,0]}}", data);
        assertThatThrownBy(() -> Safetensors.open(negative)).isInstanceOf(SafetensorsException.class);
        Path hugeShape = raw("hs.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                + "\"data_offsets\":[0,16]}}", data);
        assertThatThrownBy(() -> Safetensors.open(hugeShape)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("overflows");
        Path dtype = raw("dt.safetensors", "{\"x\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", data);
        assertThatThrownBy(() -> Safetensors.open(dtype)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("unsupported dtype Q4");
    }

    @Test
    void badJsonAndHugeHeaderLength() throws IOException {
        Path bad = raw("bad.safetensors", "{\"x\": [1, 2", new byte[0]);
        assertThatThrownBy(() -> Safetensors.open(bad)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("JSON");
        Path notObj = raw("arr.safetensors", "[1, 2, 3]", new byte[0]);
        assertThatThrownBy(() -> Safetensors.open(notObj)).isInstanceOf(SafetensorsException.class);
        for (long len : new long[] {-1L, Long.MAX_VALUE, 200L * 1024 * 1024, 1L << 40}) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(len).putLong(0);
            Path p = dir.resolve("huge.safetensors");
            Files.write(p, b.array());
            assertThatThrownBy(() -> Safetensors.open(p)).isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("header length");
        }
        assertThatThrownBy(() -> Safetensors.open(dir.resolve("missing.safetensors")))
                .isInstanceOf(SafetensorsException.class).hasMessageContaining("missing.safetensors");
    }

    @Test
    void halfAndBfloat16AreWidenedExactly() throws IOException {
        // every one of the 65536 half bit patterns, compared with an independent bit-exact decoding
        ByteBuffer half = ByteBuffer.allocate(65536 * 2).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf = ByteBuffer.allocate(65536 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            half.putShort((short) i);
            bf.putShort((short) i);
        }
        Path ph = raw("h.safetensors", "{\"h\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}", half.array());
        Path pb = raw("b.safetensors", "{\"b\":{\"dtype\":\"BF16\",\"shape\":[256,256],\"data_offsets\":[0,131072]}}", bf.array());
        try (Safetensors h = Safetensors.open(ph); Safetensors b = Safetensors.open(pb)) {
            float[] hv = h.floats("h");
            float[] bv = b.floats("b");
            for (int i = 0; i < 65536; i++) {
                assertThat(Float.floatToRawIntBits(bv[i])).isEqualTo(i << 16);
                int exp = (i >> 10) & 0x1f;
                int mant = i & 0x3ff;
                double sign = (i & 0x8000) != 0 ? -1 : 1;
                if (exp == 0x1f) {
                    assertThat(mant == 0 ? Float.isInfinite(hv[i]) : Float.isNaN(hv[i])).as("bits %x", i).isTrue();
                } else {
                    double expected = exp == 0 ? sign * mant * Math.pow(2, -24) : sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
                    assertThat((double) hv[i]).as("bits %x", i).isEqualTo(expected);
                    assertThat(Float.floatToRawIntBits(hv[i]) >>> 31).isEqualTo(i >>> 15);
                }
            }
            assertThat(hv[0x3c00]).isEqualTo(1f);
            assertThat(hv[0xc000]).isEqualTo(-2f);
            assertThat(hv[0x7bff]).isEqualTo(65504f);
        }
    }

    @Test
    void readsI32() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(-3).putInt(Integer.MAX_VALUE);
        Path p = raw("i.safetensors", "{\"i\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[0,12]}}", d.array());
        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.longs("i")).containsExactly(7, -3, Integer.MAX_VALUE);
        }
    }
}
