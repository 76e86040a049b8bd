package org.scribbleseg.engine.heavy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.image.LabelMap;
import org.scribbleseg.engine.project.ImageEntry;
import org.scribbleseg.engine.project.MaskRecord;
import org.scribbleseg.engine.project.ProjectStore;
import org.scribbleseg.engine.testutil.TaggedSquares;
import org.scribbleseg.engine.train.DdepTrainer;
import org.scribbleseg.engine.train.WeakLabelHead;
import org.scribbleseg.engine.train.ZeroShotLabeler;

/**
 * DDeP fine-tunes on every label the project has: beside the human labels, the images with only tags get the live
 * loop's tag pseudo-masks and the images with only zero-shot pre-labels get those, both at the pseudo-mask weight.
 */
class DdepPseudoMasksTest {
    @TempDir
    Path tmp;

    @Test
    void tagOnlyAndZeroShotOnlyImagesAreFineTunedOnAtThePseudoWeight() throws Exception {
        Path dir = tmp.resolve("pseudo.sseg");
        List<Long> ids = new ArrayList<>();
        int w = TaggedSquares.W;
        int h = TaggedSquares.H;
        LabelMap zeroShot;
        try (ProjectStore s = ProjectStore.create(dir)) {
            long[] rg = TaggedSquares.addClasses(s);
            long red = rg[0];
            long green = rg[1];
            byte[] zs = new byte[w * h]; // pre-labels: the square, background along the top, void elsewhere
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    zs[y * w + x] = (byte) (TaggedSquares.inSquare(5, x, y) ? 2 : y < 4 ? 0 : LabelMap.VOID);
                }
            }
            for (int i = 0; i < 7; i++) {
                boolean isRed = i % 2 == 0;
                ImageEntry e = TaggedSquares.add(s, tmp, i);
                ids.add(e.id());
                if (i < 2) {
                    s.setMask(e.id(), TaggedSquares.truth(i), MaskRecord.ACCEPTED); // human labels
                    s.setTag(e.id(), isRed ? red : green, true); // tagged and labelled: trains the CAM, keeps its mask
                } else if (i < 5) {
                    s.setTag(e.id(), isRed ? red : green, true); // tags only
                    s.setTag(e.id(), isRed ? green : red, false);
                } else if (i == 5) {
                    s.savePrediction(e.id(), ZeroShotLabeler.RUN_ID, new LabelMap(w, h, zs), null, 0); // pre-labels only
                }
            }
            zeroShot = new LabelMap(w, h, s.prediction(ids.get(5), ZeroShotLabeler.RUN_ID).orElseThrow().labels().data());
        }
        ObjectNode cfg = new ObjectMapper().createObjectNode();
        cfg.put("pretrain_steps", 1);
        cfg.put("finetune_steps", 1);
        try (DdepJob job = new DdepJob()) {
            job.init(new HeavyContext(cfg, dir, tmp.resolve("run"), Device.cpu()));
            Map<Long, LabelMap> tagMasks = TaggedSquares.liveTagMasks(dir, Set.of(ids.get(0), ids.get(1)));
            assertThat(tagMasks).containsOnlyKeys(ids.subList(2, 5));

            List<DdepTrainer.Labelled> l = job.labelled();
            assertThat(l).extracting(DdepTrainer.Labelled::id).containsExactly("img-" + ids.get(0), "img-" + ids.get(1),
                    "tag-" + ids.get(2), "tag-" + ids.get(3), "tag-" + ids.get(4), "zs-" + ids.get(5)); // image 6 has no labels
            assertThat(l.get(0).weights()).isNull();
            for (int i = 2; i < 5; i++) {
                assertThat(l.get(i).labels().data()).as("tag image %d", i).containsExactly(tagMasks.get(ids.get(i)).data());
            }
            assertThat(l.get(5).labels().data()).containsExactly(zeroShot.data());
            for (int i = 2; i < 6; i++) {
                float[] wt = l.get(i).weights();
                assertThat(wt).hasSize(w * h);
                for (float v : wt) {
                    assertThat(v).isEqualTo((float) WeakLabelHead.PSEUDO_WEIGHT);
                }
            }

            // the run's checkpoint says what it trains on
            Checkpoint.Writer wr = new Checkpoint.Writer();
            job.save(wr);
            var kinds = wr.state().path("labelled_by_kind");
            assertThat(kinds.path("human").asInt()).isEqualTo(2);
            assertThat(kinds.path("tags").asInt()).isEqualTo(3);
            assertThat(kinds.path("zero_shot").asInt()).isEqualTo(1);
            assertThat(wr.state().path("labelled").asInt()).isEqualTo(6);
        }
    }
}
