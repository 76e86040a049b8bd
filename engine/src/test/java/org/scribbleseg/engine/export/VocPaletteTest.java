package org.scribbleseg.engine.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VocPaletteTest {
    @Test
    void standardEntries() {
        assertThat(VocPalette.rgb(0)).isEqualTo(0x000000);
        assertThat(VocPalette.rgb(1)).isEqualTo(0x800000);
        assertThat(VocPalette.rgb(2)).isEqualTo(0x008000);
        assertThat(VocPalette.rgb(3)).isEqualTo(0x808000);
        assertThat(VocPalette.rgb(4)).isEqualTo(0x000080);
        assertThat(VocPalette.rgb(15)).isEqualTo(0xC08080); // person
        assertThat(VocPalette.rgb(20)).isEqualTo(0x004080); // tvmonitor
        assertThat(VocPalette.rgb(255)).isEqualTo(0xE0E0C0);
    }

    @Test
    void allEntriesDistinctAndPlteMatches() {
        byte[] p = VocPalette.plteBytes();
        assertThat(p).hasSize(768);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 256; i++) {
            int rgb = (p[3 * i] & 0xff) << 16 | (p[3 * i + 1] & 0xff) << 8 | (p[3 * i + 2] & 0xff);
            assertThat(rgb).isEqualTo(VocPalette.rgb(i));
            seen.add(rgb);
        }
        assertThat(seen).hasSize(256);
    }
}
