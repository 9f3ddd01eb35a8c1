package io.capstan.deploy;

import io.capstan.testkit.Dockerd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.capstan.testkit.EtcdProcess;
import io.capstan.testkit.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container images as users get them: Maven builds the api-server's image with Jib from the
 * local base image (scripts/build-base-image.sh), without a Docker daemon, as the root pom's
 * container-images profile configures it (a nested {@code ./mvnw ... jib:buildTar} of this
 * checkout); then a dockerd of the test's own loads it and runs it until the api-server in it
 * answers /readyz on an etcd, and builds and runs the same from src/main/docker/Dockerfile.jvm.
 * The docker half is skipped, saying why, only where no dockerd can be started (not root, not installed).
 */
class ImageIT {
    private static final String ROLE = "api-server";
    private static final String VERSION = System.getProperty("capstan.version", "0.1.0-SNAPSHOT");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Path image;
    private static String dockerUnavailable;
    private static Dockerd dockerd;
    private static EtcdProcess etcd;

    @BeforeAll
    static void buildTheImageWithMaven() {
        assertThat(Repo.path("services/" + ROLE + "/target/quarkus-app/quarkus-run.jar"))
                .as("the packaged %s (the reactor builds it before tests/deploy)", ROLE).exists();
        Commands.run(Duration.ofMinutes(3), Repo.path("scripts/build-base-image.sh").toString()).orFail();
        List<String> mvn = new ArrayList<>(List.of(Repo.path("mvnw").toString(), "-B", "-q"));
        if (System.getProperty("capstan.maven.offline", "").endsWith("true")) {
            mvn.add("-o");
        }
        String repository = System.getProperty("capstan.maven.repository");
        if (repository != null) {
            mvn.add("-Dmaven.repo.local=" + repository);
        }
        // -am resolves the libraries from this build's output; their jib:buildTar is skipped (capstan.images.skip).
        mvn.addAll(List.of("-f", Repo.path("pom.xml").toString(), "-pl", "services/" + ROLE, "-am",
                "-Dcapstan.images=true", "initialize",
                "com.google.cloud.tools:jib-maven-plugin:" + System.getProperty("capstan.jib.version", "3.4.6") + ":buildTar"));
        Commands.run(Duration.ofMinutes(5), Repo.ROOT, Map.of("JAVA_HOME", System.getProperty("java.home")), mvn).orFail();
        image = Repo.path("services/" + ROLE + "/target/jib-image.tar");
        dockerUnavailable = Dockerd.unavailableReason();
        if (dockerUnavailable == null) {
            try {
                dockerd = Dockerd.start();
            } catch (RuntimeException e) {
                dockerUnavailable = "dockerd could not be started: " + e.getMessage();
            }
        }
        if (dockerd != null) {
            etcd = EtcdProcess.start();
        }
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    @Test
    void mavenBuildsAnOciImageOfTheFastJarThatRunsAsUser185(@TempDir Path dir) throws IOException {
        OciLayout oci = OciLayout.extract(image, dir);
        assertThat(oci.reference()).isEqualTo("capstan/" + ROLE + ":" + VERSION);
        JsonNode config = oci.config().get("config");
        assertThat(config.get("User").asText()).isEqualTo("185");
        assertThat(config.get("ExposedPorts").has("6443/tcp")).isTrue();
        assertThat(config.get("Entrypoint").toString()).contains("-jar /deployments/quarkus-run.jar").contains("$JAVA_OPTS");
        assertThat(config.get("Env").toString()).contains("QUARKUS_HTTP_HOST=0.0.0.0").contains("JAVA_HOME=/opt/java/openjdk");
        assertThat(config.at("/Labels/org.opencontainers.image.title").asText()).isEqualTo("capstan-" + ROLE);
        List<String> layers = new ArrayList<>();
        oci.config().get("history").forEach(h -> layers.add(h.path("comment").asText(h.path("created_by").asText())));
        assertThat(layers).containsSubsequence("scripts/build-base-image.sh", "boot libraries", "libraries",
                "capstan libraries", "quarkus", "application");
        assertThat(oci.manifest().get("layers")).hasSize(layers.size());
    }

    @Test
    void dockerRunsTheImageUntilTheApiIsReady(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(dockerd != null, () -> "no Docker daemon: " + dockerUnavailable);
        Path archive = OciLayout.extract(image, dir).toDockerArchive(dir.resolve("docker-archive.tar"));
        assertThat(dockerd.docker(Duration.ofMinutes(2), "load", "-i", archive.toString()).orFail().output())
                .contains("capstan/" + ROLE + ":" + VERSION);
        runUntilReady("capstan/" + ROLE + ":" + VERSION);
    }

    @Test
    void theDockerfileBuildsAnImageThatRunsTheSame(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(dockerd != null, () -> "no Docker daemon: " + dockerUnavailable);
        dockerd.docker(Duration.ofMinutes(2), "load", "-i", Repo.path("target/base-image/capstan-jre.tar").toString()).orFail();
        // The context Dockerfile.jvm.dockerignore leaves: the fast-jar only.
        Path context = dir.resolve("context");
        Files.createDirectories(context.resolve("target"));
        Commands.run(Duration.ofMinutes(1), "cp", "-r", Repo.path("services/" + ROLE + "/target/quarkus-app").toString(),
                context.resolve("target").toString()).orFail();
        String tag = "capstan-it/" + ROLE + ":dockerfile";
        dockerd.docker(Duration.ofMinutes(3), "build", "-q", "-f",
                Repo.path("services/" + ROLE + "/src/main/docker/Dockerfile.jvm").toString(), "-t", tag, context.toString()).orFail();
        runUntilReady(tag);
    }

    /** Runs the api-server image on the host network (127.0.0.1 only) until /readyz answers, then checks its user and API. */
    private static void runUntilReady(String tag) throws IOException, InterruptedException {
        int port = FreePorts.next();
        String name = "capstan-image-it-" + ThreadLocalRandom.current().nextInt(1_000_000);
        dockerd.docker(Duration.ofMinutes(1), "run", "-d", "--name", name, "--network", "host", "--read-only",
                "--tmpfs", "/tmp", "-e", "QUARKUS_HTTP_HOST=127.0.0.1", "-e", "QUARKUS_HTTP_PORT=" + port,
                "-e", "CAPSTAN_APISERVER_ETCD_ENDPOINTS=" + etcd.endpoint(), tag).orFail();
        try {
            String url = "http://127.0.0.1:" + port;
            awaitReady(name, url + "/readyz");
            assertThat(dockerd.docker(Duration.ofSeconds(30), "exec", name, "id", "-u").orFail().output().strip()).isEqualTo("185");
            HttpResponse<String> ns = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/namespaces/default")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ns.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ns.body()).at("/metadata/name").asText()).isEqualTo("default");
        } finally {
            dockerd.docker(Duration.ofMinutes(1), "rm", "-f", name);
        }
    }

    private static void awaitReady(String container, String url) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            String running = dockerd.docker(Duration.ofSeconds(30), "inspect", "-f", "{{.State.Running}}", container).output().strip();
            if (!running.equals("true")) {
                throw new AssertionError(container + " stopped: " + dockerd.docker(Duration.ofSeconds(30), "logs", container).output());
            }
            Thread.sleep(500);
        }
        throw new AssertionError(container + " not ready within 90 s: " + dockerd.docker(Duration.ofSeconds(30), "logs", container).output());
    }

    /** An OCI image layout tarball (what Jib writes for format OCI), unpacked. */
    record OciLayout(Path dir, String reference, JsonNode manifest, JsonNode config) {
        static OciLayout extract(Path tarball, Path dir) throws IOException {
            Path root = Files.createDirectories(dir.resolve("oci"));
            Commands.run(Duration.ofMinutes(1), "tar", "-xf", tarball.toString(), "-C", root.toString()).orFail();
            JsonNode descriptor = JSON.readTree(root.resolve("index.json").toFile()).at("/manifests/0");
            JsonNode manifest = JSON.readTree(blob(root, descriptor.get("digest").asText()).toFile());
            JsonNode config = JSON.readTree(blob(root, manifest.at("/config/digest").asText()).toFile());
            return new OciLayout(root, descriptor.at("/annotations/org.opencontainers.image.ref.name").asText(), manifest, config);
        }

        private static Path blob(Path root, String digest) {
            return root.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
        }

        /**
         * The same blobs as a {@code docker save} archive: a manifest.json naming the config and
         * layers, the only form Docker's classic image store (apt's 20.10) loads.
         */
        Path toDockerArchive(Path archive) throws IOException {
            ArrayNode entries = JSON.createArrayNode();
            var entry = entries.addObject();
            entry.put("Config", "blobs/sha256/" + manifest.at("/config/digest").asText().substring(7));
            entry.putArray("RepoTags").add(reference);
            ArrayNode layers = entry.putArray("Layers");
            manifest.get("layers").forEach(l -> layers.add("blobs/sha256/" + l.get("digest").asText().substring(7)));
            JSON.writeValue(dir.resolve("manifest.json").toFile(), entries);
            Commands.run(Duration.ofMinutes(1), "tar", "-cf", archive.toString(), "-C", dir.toString(), "manifest.json", "blobs")
                    .orFail();
            return archive;
        }
    }
}
