package org.scribbleseg.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelsCommandTest {

    @TempDir
    Path tmp;

    static ProjectCliTest.Run cli(String... args) {
        return ProjectCliTest.cli(args);
    }

    static byte[] resource(String name) throws Exception {
        try (InputStream in = ModelsCommandTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void downloadListImportRemove() throws Exception {
        byte[] config = resource("/fixtures/clip-tiny/config.json");
        byte[] weights = resource("/fixtures/clip-tiny/model.safetensors");
        // stand-in bytes under real repo paths: the registers variant has no catalog hash (trust on first use),
        // dinov2-small has one, so the same stand-in must be refused for it
        Map<String, byte[]> served = Map.of(
                "/facebook/dinov2-with-registers-small/resolve/main/config.json", config,
                "/facebook/dinov2-with-registers-small/resolve/main/model.safetensors", weights,
                "/facebook/dinov2-small/resolve/main/config.json", config,
                "/facebook/dinov2-small/resolve/main/model.safetensors", weights);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            byte[] body = served.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            Path models = tmp.resolve("models");
            ProjectCliTest.Run d = cli("models", "download", "dinov2-with-registers-small", "--models-dir", models.toString(),
                    "--endpoint", endpoint);
            assertThat(d.code()).as(d.err()).isZero();
            assertThat(d.out()).contains("installed dinov2-with-registers-small");
            assertThat(d.err()).contains("model.safetensors").contains("(100%)");
            assertThat(Files.readAllBytes(models.resolve("dinov2-with-registers-small").resolve("model.safetensors")))
                    .isEqualTo(weights);

            ProjectCliTest.Run wrong = cli("models", "download", "dinov2-small", "--models-dir", models.toString(), "--endpoint", endpoint);
            assertThat(wrong.code()).isEqualTo(1);
            assertThat(wrong.err()).contains("error: size mismatch for model.safetensors");
            assertThat(models.resolve("dinov2-small").resolve("model.safetensors")).doesNotExist();

            Path src = tmp.resolve("mine");
            Files.createDirectories(src);
            Files.write(src.resolve("config.json"), config);
            Files.write(src.resolve("model.safetensors"), weights);
            ProjectCliTest.Run i = cli("models", "--models-dir", models.toString(), "import", src.toString(), "--name", "my-model");
            assertThat(i.code()).as(i.err()).isZero();
            assertThat(i.out()).contains("imported my-model").contains("sha256");

            ProjectCliTest.Run l = cli("models", "list", "--models-dir", models.toString());
            assertThat(l.code()).isZero();
            assertThat(l.out()).containsPattern("dinov2-with-registers-small\\s+installed")
                    .containsPattern("dinov2-small\\s+partial")
                    .containsPattern("dinov2-base\\s+-")
                    .contains("openai/clip-vit-base-patch16")
                    .containsPattern("my-model\\s+installed");

            ProjectCliTest.Run r = cli("models", "remove", "my-model", "--models-dir", models.toString());
            assertThat(r.code()).isZero();
            assertThat(models.resolve("my-model")).doesNotExist();
            ProjectCliTest.Run r2 = cli("models", "remove", "my-model", "--models-dir", models.toString());
            assertThat(r2.code()).isEqualTo(1);
            assertThat(r2.err()).contains("not installed");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void offlineDownloadExitsOneWithAClearMessage() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProjectCliTest.Run d = cli("models", "download", "clip-vit-base-patch16", "--models-dir", tmp.toString(),
                "--endpoint", "http://127.0.0.1:" + port);
        assertThat(d.code()).isEqualTo(1);
        assertThat(d.err()).startsWith("error: cannot reach 127.0.0.1").contains("scribbleseg models import");
    }
}
