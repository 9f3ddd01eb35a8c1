package io.capstan.nodeagent.server;

import io.capstan.nodeagent.runtime.ContainerConfig;
import io.capstan.nodeagent.runtime.ContainerId;
import io.capstan.nodeagent.runtime.ContainerInfo;
import io.capstan.nodeagent.runtime.PodSandbox;
import io.capstan.nodeagent.runtime.PodSandboxConfig;
import io.capstan.nodeagent.runtime.process.ProcessRuntime;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node for tests: the real process runtime, pods whose containers the test starts itself
 * (standing in for the agent's pod lifecycle), and the streaming server on a free port.
 */
final class TestNode implements PodDirectory, AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final ProcessRuntime runtime;
    final HttpServer server;
    private final Map<String, PodView> pods = new ConcurrentHashMap<>();
    private final Map<String, PodSandboxConfig> sandboxes = new ConcurrentHashMap<>();
    private final String subnet = "127.244." + ThreadLocalRandom.current().nextInt(150, 250) + ".";

    TestNode(Path stateDir, String host) throws Exception {
        runtime = new ProcessRuntime(stateDir);
        Router router = Router.router(vertx);
        new StreamingServer(() -> runtime, this, vertx).register(router);
        HttpServerOptions options = new HttpServerOptions();
        StreamingServer.WEBSOCKET_PROTOCOLS.forEach(options::addWebSocketSubProtocol);
        server = vertx.createHttpServer(options).requestHandler(router);
        server.listen(0, host).toCompletionStage().toCompletableFuture().join();
    }

    int port() {
        return server.actualPort();
    }

    /** A pod this node runs, with its sandbox prepared; {@code uid} null for a fresh one. */
    PodView addPod(String namespace, String name, String uid, List<String> containers) throws Exception {
        String id = uid == null ? UUID.randomUUID().toString() : uid;
        String ip = subnet + (2 + pods.size());
        PodSandboxConfig config = new PodSandboxConfig(id, namespace, name, name, null, ip, null);
        runtime.runPodSandbox(config);
        sandboxes.put(id, config);
        PodView view = new PodView(id, namespace, name, ip, List.of(), containers);
        pods.put(namespace + "/" + name, view);
        return view;
    }

    /** Starts attempt {@code attempt} of a container running {@code command} in {@code image}. */
    ContainerId start(PodView pod, String container, int attempt, String image, List<String> command, List<String> args)
            throws Exception {
        ContainerId id = new ContainerId(pod.uid(), container, attempt);
        PodSandboxConfig config = sandboxes.get(pod.uid());
        PodSandbox sandbox = runtime.runPodSandbox(config);
        runtime.startContainer(new ContainerConfig(id, sandbox, config, image, command, args,
                Map.of("POD_IP", pod.podIp(), "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                null, List.of(), ContainerConfig.Resources.NONE, false, false));
        return id;
    }

    ContainerId sh(PodView pod, String container, int attempt, String script) throws Exception {
        return start(pod, container, attempt, "busybox", List.of("sh", "-c", script), List.of());
    }

    ContainerInfo awaitExit(ContainerId id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ContainerInfo> info = runtime.containerStatus(id);
            if (info.isPresent() && info.get().state() == ContainerInfo.State.EXITED) {
                return info.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " did not exit within 20 s");
    }

    @Override
    public Optional<PodView> pod(String namespace, String name) {
        return Optional.ofNullable(pods.get(namespace + "/" + name));
    }

    @Override
    public void close() {
        for (PodView p : pods.values()) {
            try {
                runtime.removePodSandbox(p.uid());
            } catch (Exception ignored) {
                // best effort
            }
        }
        runtime.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
