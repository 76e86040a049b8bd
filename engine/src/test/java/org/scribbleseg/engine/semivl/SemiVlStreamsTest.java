package org.scribbleseg.engine.semivl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.heavy.HeavyContext;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.testutil.TaggedSquares;
import org.scribbleseg.engine.train.TorchThreads;

/** SemiVL's streams: images with only image-level tags are labelled with the live loop's tag pseudo-masks. */
class SemiVlStreamsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void threads() {
        TorchThreads.set(1);
    }

    @Test
    void aTagOnlyImageIsLabelledWithItsTagPseudoMaskAnd255Elsewhere() throws Exception {
        Path dir = tmp.resolve("tags.sseg");
        List<Long> ids = new ArrayList<>();
        long red;
        long green;
        try (ProjectStore s = ProjectStore.create(dir)) {
            long[] rg = TaggedSquares.addClasses(s);
            red = rg[0];
            green = rg[1];
            for (int i = 0; i < 6; i++) {
                boolean isRed = i % 2 == 0;
                ImageEntry e = TaggedSquares.add(s, tmp, i);
                ids.add(e.id());
                if (i == 0) {
                    s.setMask(e.id(), TaggedSquares.truth(i), MaskRecord.ACCEPTED); // a human label: no tag mask
                } else if (i < 5) {
                    s.setTag(e.id(), isRed ? red : green, true); // tags only
                    s.setTag(e.id(), isRed ? green : red, false);
                }
            }
            s.setTag(ids.get(0), red, true); // tagged and labelled: trains the CAM, keeps its mask
        }
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("random_tower", "tiny");
        cfg.put("steps", 1);
        cfg.put("crop", 64);
        cfg.put("decoder_channels", 16);
        cfg.put("hold_out", false);
        try (SemiVlJob job = new SemiVlJob()) {
            job.init(new HeavyContext(cfg, dir, tmp.resolve("run"), Device.cpu()));
            // the same pseudo-masks as the live loop's (same class, the project's classic backbone)
            Map<Long, LabelMap> expected = TaggedSquares.liveTagMasks(dir, Set.of(ids.get(0)));
            assertThat(expected).containsOnlyKeys(ids.subList(1, 5));
            for (int i = 1; i < 5; i++) {
                LabelMap pm = expected.get(ids.get(i));
                int[] got = job.labelledMask(ids.get(i)).orElseThrow(() -> new AssertionError("tag-only image not in the labelled stream"));
                int voids = 0;
                for (int p = 0; p < got.length; p++) {
                    int v = pm.data()[p] & 0xff;
                    // class index = VOC value here (background 0, red 1, green 2); void → 255 (ignored by Lx)
                    assertThat(got[p]).as("pixel %d of image %d", p, i).isEqualTo(v == LabelMap.VOID ? Augment.IGNORE : v);
                    voids += v == LabelMap.VOID ? 1 : 0;
                }
                assertThat(pm.labelledCount()).isPositive();
                System.out.printf("tag image %d: %d labelled, %d void pixels%n", i, pm.labelledCount(), voids);
            }
            assertThat(job.labelledMask(ids.get(0))).isPresent();
            assertThat(job.unlabelledIds()).containsExactly(ids.get(5));
            assertThat(job.recipe().path("labelled_by_kind").path("tags").asInt()).isEqualTo(4);
            assertThat(job.recipe().path("labelled_by_kind").path("mask").asInt()).isEqualTo(1);
            assertThat(job.recipe().path("streams").asText()).contains("4 tag pseudo-masks").contains("unlabelled 1");
        }
    }
}
