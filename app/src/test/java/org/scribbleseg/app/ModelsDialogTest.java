package org.scribbleseg.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.scribbleseg.engine.model.ModelStore;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Models window downloads a catalog model from a loopback "hub" (the catalog's dinov2-with-registers-small has no
 * recorded size or hash, so a small generated checkpoint stands in for it), shows progress and the installed state,
 * and offers the model as backbone; with the hub down it says why and how to fix it, and installs nothing.
 */
class ModelsDialogTest extends AppTestBase {
    static final String MODEL = "dinov2-with-registers-small";

    HttpServer server;
    java.util.concurrent.ExecutorService serverThreads;
    /** While held, the hub sends half of each file and then stalls (until released). */
    final java.util.concurrent.CountDownLatch stall = new java.util.concurrent.CountDownLatch(1);
    volatile boolean stalling;
    byte[] weights;
    String oldRoot;
    String oldEndpoint;

    @Start
    void start(Stage stage) throws Exception {
        startApp(stage);
    }

    @BeforeEach
    void serve() throws IOException {
        weights = safetensors(600_000);
        Map<String, byte[]> files = Map.of("config.json", "{\"model_type\": \"dinov2\"}".getBytes(StandardCharsets.UTF_8),
                "model.safetensors", weights);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> send(ex, files.get(ex.getRequestURI().getPath()
                .replace("/facebook/" + MODEL + "/resolve/main/", ""))));
        serverThreads = java.util.concurrent.Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.start();
        oldRoot = System.setProperty("scribbleseg.models", tmp.resolve("models").toString());
        oldEndpoint = System.setProperty("scribbleseg.hf.endpoint", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void restore() throws Exception {
        fx(() -> {
            for (javafx.stage.Window w : javafx.stage.Window.getWindows().stream().toList()) {
                if (w.getScene() != null && w.getScene().lookup("#modelsDialog") != null) {
                    w.hide();
                }
            }
            return null;
        });
        stall.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
        restore("scribbleseg.models", oldRoot);
        restore("scribbleseg.hf.endpoint", oldEndpoint);
    }

    private static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }

    private void send(HttpExchange ex, byte[] body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (stalling && body.length > 100_000) {
                out.write(body, 0, body.length / 2);
                out.flush();
                try {
                    stall.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            for (int off = 0; off < body.length; off += 8192) {
                out.write(body, off, Math.min(8192, body.length - off));
            }
        }
    }

    /** A valid safetensors file of one F32 tensor of {@code floats} values. */
    static byte[] safetensors(int floats) {
        byte[] header = ("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + floats + "],\"data_offsets\":[0," + floats * 4 + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + floats * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (int i = 0; i < floats; i++) {
            b.putFloat(i * 0.001f);
        }
        return b.array();
    }

    /** Opens the window the way a user does: File → Models… */
    private void openFromMenu(FxRobot robot) throws Exception {
        waitIdle();
        fx(() -> {
            MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
            MenuItem item = bar.getMenus().get(0).getItems().stream().filter(i -> "Models…".equals(i.getText()))
                    .findFirst().orElseThrow();
            item.fire();
            return null;
        });
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> fx(() -> robot.lookup("#models-state-" + MODEL).tryQuery()
                .isPresent()));
    }

    private String text(FxRobot robot, String id) throws Exception {
        return fx(() -> robot.lookup("#" + id).queryAs(Label.class).getText());
    }

    private boolean shown(FxRobot robot, String id) throws Exception {
        return fx(() -> robot.lookup("#" + id).tryQuery().map(n -> {
            for (Node p = n; p != null; p = p.getParent()) {
                if (!p.isVisible()) {
                    return false;
                }
            }
            return true;
        }).orElse(false));
    }

    @Test
    void downloadsAModelShowsItInstalledAndOffersItAsBackbone(FxRobot robot) throws Exception {
        assertThat(MenuBuilder.backbones()).containsExactly("classic");
        openFromMenu(robot);
        assertThat(text(robot, "models-state-" + MODEL)).isEqualTo("Not installed");
        assertThat(text(robot, "models-state-dinov2-small")).isEqualTo("Not installed");

        robot.clickOn(robot.lookup("#models-download-" + MODEL).queryAs(Button.class));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> "Installed".equals(text(robot, "models-state-" + MODEL)));

        Path dir = tmp.resolve("models").resolve(MODEL);
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
        ModelStore store = ModelStore.createDefault();
        assertThat(store.installed(MODEL).orElseThrow().complete()).isTrue();
        assertThat(store.verify(MODEL)).isEmpty();
        assertThat(shown(robot, "models-download-" + MODEL)).isFalse();
        assertThat(shown(robot, "models-remove-" + MODEL)).isTrue();
        assertThat(shown(robot, "models-message-" + MODEL)).isFalse();
        assertThat(MenuBuilder.backbones()).containsExactly("classic", MODEL);
        snapshot(robot, "models-installed.png");
    }

    @Test
    void offlineSaysWhyAndHowToFixItAndInstallsNothing(FxRobot robot) throws Exception {
        server.stop(0); // nothing listens on the hub's port any more
        openFromMenu(robot);
        long t0 = System.nanoTime();
        robot.clickOn(robot.lookup("#models-download-" + MODEL).queryAs(Button.class));
        WaitForAsyncUtils.waitFor(15, TimeUnit.SECONDS, () -> shown(robot, "models-message-" + MODEL));
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));

        String message = text(robot, "models-message-" + MODEL);
        assertThat(message).startsWith("Download failed: cannot reach 127.0.0.1: connection refused")
                .contains("Import…").contains("scribbleseg models download " + MODEL);
        assertThat(shown(robot, "models-progress-" + MODEL)).isFalse();
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> fx(() -> !robot.lookup("#models-download-" + MODEL)
                .queryAs(Button.class).isDisabled()));
        assertThat(text(robot, "models-state-" + MODEL)).isEqualTo("Not installed");
        assertThat(ModelStore.createDefault().installed(MODEL)).isEmpty();
        assertThat(tmp.resolve("models").resolve(MODEL).resolve("model.safetensors")).doesNotExist();
        assertThat(MenuBuilder.backbones()).containsExactly("classic");
        snapshot(robot, "models-offline.png");
    }

    @Test
    void aDownloadShowsProgressAndCancelKeepsThePartialFileForResume(FxRobot robot) throws Exception {
        stalling = true;
        openFromMenu(robot);
        robot.clickOn(robot.lookup("#models-download-" + MODEL).queryAs(Button.class));
        // half the weights arrived, then the hub went quiet: the bar and the numbers say how far it got
        String half = org.scribbleseg.engine.model.ModelCatalog.humanBytes(weights.length / 2) + " of "
                + org.scribbleseg.engine.model.ModelCatalog.humanBytes(weights.length);
        WaitForAsyncUtils.waitFor(15, TimeUnit.SECONDS, () -> text(robot, "models-progress-text-" + MODEL)
                .startsWith("model.safetensors: " + half));
        assertThat(shown(robot, "models-progress-" + MODEL)).isTrue();
        assertThat(fx(() -> robot.lookup("#models-progress-" + MODEL).queryAs(javafx.scene.control.ProgressBar.class)
                .getProgress())).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(text(robot, "models-progress-text-" + MODEL)).contains("/s");
        assertThat(fx(() -> robot.lookup("#models-download-" + MODEL).queryAs(Button.class).isDisabled())).isTrue();
        snapshot(robot, "models-progress.png");

        robot.clickOn(robot.lookup("#models-cancel-" + MODEL).queryAs(Button.class));
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> shown(robot, "models-message-" + MODEL));
        assertThat(text(robot, "models-message-" + MODEL)).startsWith("Cancelled: download of model.safetensors cancelled");
        assertThat(shown(robot, "models-progress-" + MODEL)).isFalse();
        WaitForAsyncUtils.waitFor(5, TimeUnit.SECONDS, () -> "Partial".equals(text(robot, "models-state-" + MODEL)));
        assertThat(fx(() -> robot.lookup("#models-download-" + MODEL).queryAs(Button.class).getText())).isEqualTo("Resume");
        Path dir = tmp.resolve("models").resolve(MODEL);
        assertThat(dir.resolve("model.safetensors")).doesNotExist();
        assertThat(Files.size(dir.resolve("model.safetensors.part"))).isEqualTo(weights.length / 2);
        assertThat(MenuBuilder.backbones()).containsExactly("classic");

        stalling = false;
        robot.clickOn(robot.lookup("#models-download-" + MODEL).queryAs(Button.class));
        WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> "Installed".equals(text(robot, "models-state-" + MODEL)));
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(weights);
    }

    /** With -Dscribbleseg.test.snapshots=DIR, writes the Models window as it looks to DIR (for a human to check). */
    private void snapshot(FxRobot robot, String file) throws Exception {
        String dir = System.getProperty("scribbleseg.test.snapshots");
        if (dir == null) {
            return;
        }
        var img = fx(() -> robot.lookup("#modelsDialog").query().getScene().snapshot(null));
        PngWriter.write(img, Path.of(dir, file));
    }
}
