package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.scribbleseg.engine.cli.ProjectCliTest.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scribbleseg.engine.project.ProjectStore;

/**
 * Issue 13's store defects through the real CLI: concurrent writers (child processes), changed image files, VOC ids
 * with identical images, a zero-byte project.db, the backup kept on migration, read-only projects, atomic creation.
 */
class StoreDefectsCliTest {

    @TempDir
    Path tmp;

    private Path projectWithImages(String name, int count) throws Exception {
        return CliProcesses.project(tmp, name, CliProcesses.images(tmp.resolve(name + "-imgs"), "scene", 0, count, 48, 32));
    }

    @Test
    void twoImportsAtOnceInChildProcessesBothSucceed() throws Exception {
        Path p = tmp.resolve("c.sseg");
        assertThat(cli("init", p.toString(), "--classes", "cat").code()).isZero();
        Path a = CliProcesses.images(tmp.resolve("a"), "a", 0, 120, 24, 16);
        Path b = CliProcesses.images(tmp.resolve("b"), "b", 1000, 120, 24, 16);
        CliProcesses.Child ca = CliProcesses.start(tmp, "import-a", "import", p.toString(), a.toString());
        CliProcesses.Child cb = CliProcesses.start(tmp, "import-b", "import", p.toString(), b.toString());
        ProjectCliTest.Run ra = ca.await(240);
        ProjectCliTest.Run rb = cb.await(240);
        assertThat(ra.code()).as(ra.err()).isZero();
        assertThat(rb.code()).as(rb.err()).isZero();
        assertThat(ra.out()).contains("120 added");
        assertThat(rb.out()).contains("120 added");
        try (ProjectStore s = ProjectStore.open(p)) {
            assertThat(s.imageCount()).isEqualTo(240);
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
    }

    @Test
    void predictDuringAnImportFinishesEveryImage() throws Exception {
        Path p = projectWithImages("pd", 6);
        CliProcesses.acceptFullMask(p, 0, 1);
        CliProcesses.acceptFullMask(p, 1, 2);
        Path more = CliProcesses.images(tmp.resolve("more"), "m", 500, 150, 24, 16);
        CliProcesses.Child imp = CliProcesses.start(tmp, "import", "import", p.toString(), more.toString());
        CliProcesses.Child pred = CliProcesses.start(tmp, "predict", "predict", p.toString(), "--out", tmp.resolve("pred").toString());
        ProjectCliTest.Run ri = imp.await(240);
        ProjectCliTest.Run rp = pred.await(240);
        assertThat(ri.code()).as(ri.err()).isZero();
        assertThat(rp.code()).as(rp.err()).isZero();
        assertThat(ri.out()).contains("150 added");
        assertThat(rp.out()).containsPattern("predicted \\d+ images");
        try (ProjectStore s = ProjectStore.open(p)) {
            assertThat(s.imageCount()).isEqualTo(156);
        }
    }

    @Test
    void anImportThatCannotGetTheLockSaysHowFarItGot() throws Exception {
        Path p = projectWithImages("lk", 2);
        Path more = CliProcesses.images(tmp.resolve("lk-more"), "x", 300, 3, 24, 16);
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + p.resolve("project.db"));
                var st = c.createStatement()) {
            st.execute("PRAGMA busy_timeout = 100");
            st.execute("BEGIN IMMEDIATE"); // another writer holds the lock for the whole import
            // the real CLI, with a short retry budget so the test does not wait a minute
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process pr = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    "-Dscribbleseg.db.busyTimeoutMs=200", "-Dscribbleseg.db.retryBudgetMs=1500", Main.class.getName(),
                    "import", p.toString(), more.toString())
                    .redirectOutput(tmp.resolve("l.out").toFile()).redirectError(tmp.resolve("l.err").toFile()).start();
            assertThat(pr.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(tmp.resolve("l.err"));
            assertThat(pr.exitValue()).as(err).isEqualTo(1);
            assertThat(err).contains("locked").contains("0 images were added before that").contains("nothing of this change was saved");
            st.execute("ROLLBACK");
        }
    }

    @Test
    void exportRefusesImagesWhoseFileChangedAndTheUserCanRelinkThem() throws Exception {
        Path p = projectWithImages("ch", 3);
        CliProcesses.acceptFullMask(p, 0, 1);
        CliProcesses.acceptFullMask(p, 1, 2);
        Path imgs = tmp.resolve("ch-imgs");
        // same bytes, new time: not a change
        Files.setLastModifiedTime(imgs.resolve("scene1.png"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        // other pixels, same name and size
        CliProcesses.images(tmp.resolve("other"), "o", 77, 2, 48, 32);
        Files.copy(tmp.resolve("other/o77.png"), imgs.resolve("scene0.png"), StandardCopyOption.REPLACE_EXISTING);

        ProjectCliTest.Run exp = cli("export", p.toString(), tmp.resolve("voc").toString());
        assertThat(exp.code()).isEqualTo(1);
        assertThat(exp.err()).contains("scene0.png").contains("changed").contains("Nothing was exported").doesNotContain("scene1.png");
        assertThat(tmp.resolve("voc")).doesNotExist();

        ProjectCliTest.Run skip = cli("export", p.toString(), tmp.resolve("voc").toString(), "--skip-changed");
        assertThat(skip.code()).as(skip.err()).isZero();
        assertThat(skip.out()).contains("exported 1 images");
        assertThat(skip.err()).contains("left out").contains("scene0.png");

        ProjectCliTest.Run info = cli("info", p.toString(), "--json");
        assertThat(info.code()).isZero();
        assertThat(info.err()).contains("warning: ").contains("scene0.png").contains("content changed");
        assertThat(info.out()).contains("\"changed_images\"").contains("scene0.png (changed)");

        ProjectCliTest.Run list = cli("images", p.toString());
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("changed").contains("scene0.png");

        ProjectCliTest.Run relink = cli("images", p.toString(), "--relink", "scene0");
        assertThat(relink.code()).as(relink.err()).isZero();
        assertThat(relink.out()).contains("re-linked").contains("labels kept");
        ProjectCliTest.Run again = cli("export", p.toString(), tmp.resolve("voc2").toString());
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("exported 2 images");

        // dropping the labels instead
        Files.copy(tmp.resolve("other/o78.png"), imgs.resolve("scene1.png"), StandardCopyOption.REPLACE_EXISTING);
        ProjectCliTest.Run drop = cli("images", p.toString(), "--drop-labels", "changed");
        assertThat(drop.code()).as(drop.err()).isZero();
        try (ProjectStore s = ProjectStore.open(p)) {
            assertThat(s.imagesWithMask()).hasSize(1);
        }
    }

    @Test
    void vocIdsWithIdenticalImagesAndDifferentMasksAreRefusedAndNoProjectIsLeft() throws Exception {
        Path p = projectWithImages("v", 3);
        CliProcesses.acceptFullMask(p, 0, 1);
        CliProcesses.acceptFullMask(p, 1, 2);
        Path voc = tmp.resolve("voc");
        assertThat(cli("export", p.toString(), voc.toString()).code()).isZero();
        Path jpeg = voc.resolve("JPEGImages");
        List<Path> files;
        try (Stream<Path> s = Files.list(jpeg)) {
            files = s.sorted().toList();
        }
        assertThat(files).hasSize(2);
        Files.copy(files.get(0), files.get(1), StandardCopyOption.REPLACE_EXISTING); // byte-identical, masks differ

        Path target = tmp.resolve("q.sseg");
        ProjectCliTest.Run iv = cli("import-voc", voc.toString(), target.toString());
        assertThat(iv.code()).isEqualTo(1);
        assertThat(iv.err()).contains("byte-identical").contains("Nothing was imported");
        assertThat(target).doesNotExist();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(x -> x.getFileName().toString())).noneMatch(n -> n.contains("creating"));
        }

        // into an existing project: refused before anything is written
        Path existing = tmp.resolve("e.sseg");
        assertThat(cli("init", existing.toString()).code()).isZero();
        assertThat(cli("import-voc", voc.toString(), existing.toString()).code()).isEqualTo(1);
        try (ProjectStore s = ProjectStore.open(existing)) {
            assertThat(s.imageCount()).isZero();
            assertThat(s.classes()).isEmpty();
        }
    }

    @Test
    void failedInitLeavesNoStubAndTheRetryWorks() {
        Path p = tmp.resolve("i.sseg");
        ProjectCliTest.Run bad = cli("init", p.toString(), "--classes", "cat,bad:name");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("bad:name");
        assertThat(p).doesNotExist();
        ProjectCliTest.Run ok = cli("init", p.toString(), "--classes", "cat");
        assertThat(ok.code()).as(ok.err()).isZero();
        assertThat(p.resolve("project.db")).isRegularFile();
    }

    @Test
    void aZeroByteProjectDbIsRefusedAsDamagedAndLeftAlone() throws Exception {
        Path p = tmp.resolve("z.sseg");
        Files.createDirectories(p);
        Files.createFile(p.resolve("project.db"));
        for (String cmd : List.of("info", "export")) {
            List<String> args = new ArrayList<>(List.of(cmd, p.toString()));
            if (cmd.equals("export")) {
                args.add(tmp.resolve("out").toString());
            }
            ProjectCliTest.Run r = cli(args.toArray(String[]::new));
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("damaged").contains("empty (0 bytes)");
            assertThat(r.err().strip().lines()).hasSize(1);
        }
        assertThat(Files.size(p.resolve("project.db"))).isZero();
        try (Stream<Path> s = Files.list(p)) {
            assertThat(s.map(x -> x.getFileName().toString()).toList()).containsExactly("project.db");
        }
    }

    @Test
    void migratingAnOldProjectKeepsABackupAndSaysSo() throws Exception {
        Path p = tmp.resolve("old.sseg");
        Files.createDirectories(p);
        try (InputStream in = getClass().getResourceAsStream("/projects/project-v1.db")) {
            Files.copy(in, p.resolve("project.db"));
        }
        byte[] before = Files.readAllBytes(p.resolve("project.db"));
        ProjectCliTest.Run info = cli("info", p.toString());
        assertThat(info.code()).as(info.err()).isZero();
        assertThat(info.err()).contains("note: upgraded the project database from schema v1").contains("project.db.v1.bak");
        Path backup = p.resolve("project.db.v1.bak");
        assertThat(backup).isRegularFile();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + backup); var st = c.createStatement();
                var rs = st.executeQuery("PRAGMA user_version")) {
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
        assertThat(Files.readAllBytes(backup).length).isLessThanOrEqualTo(before.length + 4096);
        ProjectCliTest.Run again = cli("info", p.toString());
        assertThat(again.err()).doesNotContain("upgraded");
    }

    @Test
    void aReadOnlyProjectCanBeReadAndExportedWithoutWritingIntoIt() throws Exception {
        Path p = projectWithImages("ro", 2);
        CliProcesses.acceptFullMask(p, 0, 1);
        List<Path> tree;
        try (Stream<Path> s = Files.walk(p)) {
            tree = s.sorted().toList();
        }
        String snapshot = describe(tree);
        try {
            for (Path x : tree) {
                Files.setPosixFilePermissions(x, PosixFilePermissions.fromString(Files.isDirectory(x) ? "r-xr-xr-x" : "r--r--r--"));
            }
            ProjectCliTest.Run info = cli("info", p.toString());
            assertThat(info.code()).as(info.err()).isZero();
            assertThat(info.out()).contains("images   2");
            assertThat(info.err()).contains("read-only");
            ProjectCliTest.Run exp = cli("export", p.toString(), tmp.resolve("ro-voc").toString());
            assertThat(exp.code()).as(exp.err()).isZero();
            assertThat(exp.out()).contains("exported 1 images");
            ProjectCliTest.Run sug = cli("suggest", p.toString(), "-n", "2");
            assertThat(sug.code()).as(sug.err()).isZero();
            assertThat(sug.out().lines()).hasSize(1); // the one image not done
            ProjectCliTest.Run pred = cli("predict", p.toString(), "--out", tmp.resolve("ro-pred").toString());
            assertThat(pred.code()).as(pred.err()).isZero();
            assertThat(pred.out()).contains("predicted 2 images");
            Path fresh = CliProcesses.images(tmp.resolve("ro-new"), "n", 900, 1, 24, 16);
            ProjectCliTest.Run write = cli("import", p.toString(), fresh.toString());
            assertThat(write.code()).isEqualTo(1);
            assertThat(write.err()).contains("read-only");
            try (Stream<Path> s = Files.walk(p)) {
                assertThat(describe(s.sorted().toList())).isEqualTo(snapshot);
            }
        } finally {
            for (Path x : tree) {
                Files.setPosixFilePermissions(x, PosixFilePermissions.fromString(Files.isDirectory(x) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static String describe(List<Path> tree) throws Exception {
        StringBuilder b = new StringBuilder();
        for (Path x : tree) {
            b.append(x).append(' ').append(Files.isDirectory(x) ? "dir" : Files.size(x) + " " + Files.getLastModifiedTime(x)).append('\n');
        }
        return b.toString();
    }
}
