package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;
import io.capstan.schema.OpenApiV2Protobuf;
import io.capstan.schema.OpenApiV3;
import io.capstan.schema.UnknownFields;
import io.capstan.store.EtcdStore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Wires the api-server: etcd, the registry, the REST routes (resources, discovery, OpenAPI,
 * /version and the health endpoints), the CRD registrar, bootstrap objects and compaction.
 */
@ApplicationScoped
public class ApiServer {
    private static final Logger LOG = Logger.getLogger(ApiServer.class);
    private static final int MAX_REQUEST_BYTES = 3 * 1024 * 1024;
    /** The kinds a running cluster writes all the time, whose schemas are prepared first. */
    private static final List<String> BUSIEST = List.of("pods", "events", "leases", "nodes", "endpointslices", "endpoints");

    @Inject
    ApiServerConfig config;
    @Inject
    MeterRegistry meters;
    @Inject
    FeedConfig feedConfig;
    @Inject
    Vertx vertx;

    private EtcdStore etcd;
    private ResourceRegistry registry;
    private ResourceStore store;
    private ApiHandler handler;
    private Discovery discovery;
    private OpenApiV3 openApi;
    private CrdRegistrar crds;
    private Compactor compactor;
    private FeedRelay relay;
    private ObjectCache namespaces;
    private ObjectCache priorityClasses;

    void init() {
        if (etcd != null) {
            return;
        }
        etcd = EtcdStore.connect(config.etcdEndpoints(), List.of(new EtcdMetricsInterceptor(meters)), this::callersEventLoop);
        registry = ResourceRegistry.withBuiltins();
        ApiMetrics metrics = new ApiMetrics(meters);
        ServiceAllocator allocator = new ServiceAllocator(etcd, config.serviceCidr(), config.nodePortRange());
        store = new ResourceStore(etcd, registry, allocator, new EventLeases(etcd, config.eventTtl()), config.maxObjectBytes());
        WatchStreamer watches = new WatchStreamer(registry, store, metrics, config.minRequestTimeout());
        handler = new ApiHandler(registry, store, watches, metrics);
        discovery = new Discovery(registry);
        openApi = new OpenApiV3(registry);
        crds = new CrdRegistrar(registry, store);
        compactor = new Compactor(etcd, config.compactionInterval(), feedConfig.bootstrapServers().isPresent());
    }

    /**
     * The request's own event loop, where an etcd call made while serving it continues: jetcd
     * answers every call on its channel's single event loop, which would otherwise do all the work
     * after each etcd round trip (mutation, validation, encoding) for every request at once.
     */
    private Executor callersEventLoop() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext() || context.owner() != vertx) {
            return null;
        }
        return task -> context.runOnContext(v -> task.run());
    }

    void routes(@Observes Router router) {
        init();
        BodyHandler body = BodyHandler.create().setBodyLimit(MAX_REQUEST_BYTES).setHandleFileUploads(false);
        router.routeWithRegex("^/(api|apis)(/.*)?$").order(-10).handler(body).handler(this::serve)
                .failureHandler(this::failure);
        router.get("/version").handler(ctx -> Responses.json(ctx, 200, version()));
        router.routeWithRegex("^/openapi/v3(/.*)?$").method(HttpMethod.GET).handler(this::openApi);
        router.routeWithRegex("^/openapi/v2$").method(HttpMethod.GET).handler(this::openApiV2);
        for (String health : List.of("/healthz", "/livez", "/readyz")) {
            router.routeWithRegex("^" + health + "(/.*)?$").handler(this::health);
        }
    }

    void onStart(@Observes StartupEvent event) {
        init();
        Bootstrap.run(store, registry).thenCompose(v -> crds.start()).orTimeout(60, TimeUnit.SECONDS).join();
        advertise();
        compactor.start();
        namespaces = new ObjectCache(etcd, ResourceStore.prefix(registry.find("", "v1", "namespaces").orElseThrow(), null)).start();
        priorityClasses = new ObjectCache(etcd, ResourceStore.prefix(registry.find("scheduling.k8s.io", "v1", "priorityclasses").orElseThrow(), null)).start();
        store.useCaches(namespaces, priorityClasses);
        feedConfig.bootstrapServers().ifPresentOrElse(
                servers -> relay = new FeedRelay(etcd, registry, servers, meters, identity(), feedConfig.progressIntervalMillis()).start(),
                () -> LOG.warn("capstan.kafka.bootstrap-servers is not set: no change feed is published"));
        LOG.infof("api-server ready on etcd %s", config.etcdEndpoints());
        prepareSchemas();
    }

    /**
     * Prepares the unknown-field schemas of the built-in kinds on a background thread, busiest
     * first, so the first pods after a start do not pay for them (kube-apiserver also builds its
     * schemas at start).
     */
    private void prepareSchemas() {
        List<ResourceType> types = registry.all().stream().filter(t -> !t.isCustom())
                .sorted(Comparator.comparingInt(t -> busyRank(t.plural())))
                .toList();
        Thread.ofPlatform().daemon().name("schema-prepare").start(() -> {
            long start = System.nanoTime();
            for (ResourceType type : types) {
                try {
                    UnknownFields.prepare(type);
                } catch (RuntimeException e) {
                    LOG.debugf("preparing the schema of %s failed (it is built at its first write): %s", type.plural(), e);
                }
            }
            LOG.infof("schemas of %d kinds prepared in %d ms", types.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        });
    }

    /** A kind's place in {@link #BUSIEST}; the other kinds come after, in registry order. */
    private static int busyRank(String plural) {
        int i = BUSIEST.indexOf(plural);
        return i < 0 ? BUSIEST.size() : i;
    }

    /** The kubernetes Service's endpoints: this api-server's address and HTTP port. */
    private void advertise() {
        org.eclipse.microprofile.config.Config mp = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        int port = mp.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        String host = config.advertiseAddress().orElseGet(() -> {
            String h = mp.getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
            if (!h.equals("0.0.0.0") && !h.equals("::") && h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                return h;
            }
            try {
                return java.net.InetAddress.getLocalHost().getHostAddress();
            } catch (java.io.IOException e) {
                return "127.0.0.1";
            }
        });
        try {
            Bootstrap.advertise(store, registry, host, port).orTimeout(30, TimeUnit.SECONDS).join();
            LOG.infof("the kubernetes Service's endpoints name %s:%d", host, port);
        } catch (RuntimeException e) {
            LOG.warnf("could not write the kubernetes Service's endpoints (%s:%d): %s", host, port, e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (relay != null) {
            relay.close();
        }
        if (crds != null) {
            crds.stop();
        }
        if (compactor != null) {
            compactor.stop();
        }
        if (namespaces != null) {
            namespaces.close();
        }
        if (priorityClasses != null) {
            priorityClasses.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static String identity() {
        String host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        return host + "-" + ProcessHandle.current().pid();
    }

    private void serve(RoutingContext ctx) {
        try {
            String path = ctx.normalizedPath();
            RequestInfo info = RequestInfo.parse(ctx.request().method().name(), path, ctx.queryParams().get("watch"));
            if (info != null) {
                handler.handle(ctx, info);
                return;
            }
            discovery(ctx, path);
        } catch (RuntimeException e) {
            Responses.error(ctx, e);
        }
    }

    private void failure(RoutingContext ctx) {
        if (ctx.statusCode() == 413) {
            Responses.error(ctx, ApiException.tooLarge("the request body is larger than " + MAX_REQUEST_BYTES + " bytes"));
        } else if (ctx.failure() != null) {
            Responses.error(ctx, ctx.failure());
        } else {
            Responses.error(ctx, new ApiException(ctx.statusCode(), "InternalError", "request failed with " + ctx.statusCode()));
        }
    }

    private void discovery(RoutingContext ctx, String path) {
        if (ctx.request().method() != HttpMethod.GET && ctx.request().method() != HttpMethod.HEAD) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        String trimmed = path.replaceAll("/+$", "");
        String aggregated = Discovery.aggregatedVersion(ctx.request().getHeader("Accept"));
        ObjectNode doc;
        switch (trimmed) {
            case "/api" -> {
                if (aggregated != null) {
                    writeAggregated(ctx, discovery.aggregated(true, aggregated), aggregated);
                    return;
                }
                doc = discovery.legacyApi();
            }
            case "/apis" -> {
                if (aggregated != null) {
                    writeAggregated(ctx, discovery.aggregated(false, aggregated), aggregated);
                    return;
                }
                doc = discovery.groupList();
            }
            default -> {
                String[] parts = trimmed.substring(1).split("/");
                if (parts[0].equals("api") && parts.length == 2) {
                    doc = discovery.resourceList("", parts[1]);
                } else if (parts[0].equals("apis") && parts.length == 2) {
                    doc = discovery.group(parts[1]);
                } else if (parts[0].equals("apis") && parts.length == 3) {
                    doc = discovery.resourceList(parts[1], parts[2]);
                } else {
                    doc = null;
                }
            }
        }
        if (doc == null) {
            throw ApiHandler.notFoundPage();
        }
        Responses.json(ctx, 200, doc);
    }

    private static void writeAggregated(RoutingContext ctx, ObjectNode doc, String version) {
        Responses.raw(ctx, 200, version.equals("v2") ? Discovery.AGGREGATED_V2 : Discovery.AGGREGATED_V2BETA1, KubeJson.bytes(doc));
    }

    private void openApi(RoutingContext ctx) {
        String path = ctx.normalizedPath().replaceAll("/+$", "");
        if (path.equals("/openapi/v3")) {
            Responses.json(ctx, 200, openApi.index());
            return;
        }
        String gv = path.substring("/openapi/v3/".length());
        Optional<byte[]> doc = openApi.documentBytes(gv);
        if (doc.isEmpty()) {
            Responses.error(ctx, ApiHandler.notFoundPage());
            return;
        }
        ctx.response().putHeader("Cache-Control", "public, immutable");
        openApi.hash(gv).ifPresent(h -> ctx.response().putHeader("Etag", "\"" + h + "\""));
        Responses.raw(ctx, 200, "application/json", doc.get());
    }

    /** OpenAPI v2 in gnostic's protobuf form, which kubectl up to 1.27 needs for validation and explain. */
    private void openApiV2(RoutingContext ctx) {
        String accept = ctx.request().getHeader("Accept");
        if (accept == null || !accept.contains("application/com.github.proto-openapi.spec.v2")) {
            Responses.error(ctx, new ApiException(406, "NotAcceptable",
                    "OpenAPI v2 is served as " + OpenApiV2Protobuf.ACCEPT + " only; JSON clients use /openapi/v3"));
            return;
        }
        Responses.raw(ctx, 200, OpenApiV2Protobuf.CONTENT_TYPE, OpenApiV2Protobuf.encode(openApi));
    }

    private ObjectNode version() {
        String gitVersion = config.gitVersion();
        var m = java.util.regex.Pattern.compile("v(\\d+)\\.(\\d+)\\..*").matcher(gitVersion);
        ObjectNode v = KubeJson.object();
        v.put("major", m.matches() ? m.group(1) : "1");
        v.put("minor", m.matches() ? m.group(2) : "33");
        v.put("gitVersion", gitVersion);
        v.put("gitCommit", "capstan");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-11-01T00:00:00Z");
        v.put("goVersion", "java" + Runtime.version().feature());
        v.put("compiler", "javac");
        v.put("platform", System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch").replace("x86_64", "amd64"));
        return v;
    }

    /** /healthz, /livez and /readyz; readiness also needs etcd to answer. */
    private void health(RoutingContext ctx) {
        boolean ready = ctx.normalizedPath().startsWith("/readyz") || ctx.normalizedPath().startsWith("/healthz");
        CompletableFuture<Boolean> etcdOk = ready
                ? etcd.currentRevision().orTimeout(2, TimeUnit.SECONDS).handle((r, t) -> t == null)
                : CompletableFuture.completedFuture(true);
        boolean verbose = ctx.queryParams().contains("verbose");
        etcdOk.thenAccept(ok -> {
            String body;
            if (verbose) {
                body = "[+]ping ok\n" + (ready ? (ok ? "[+]etcd ok\n" : "[-]etcd failed: reason withheld\n") : "")
                        + (ok ? "healthz check passed\n" : "healthz check failed\n");
            } else {
                body = ok ? "ok" : "[-]etcd failed: reason withheld\nhealthz check failed";
            }
            Responses.raw(ctx, ok ? 200 : 500, "text/plain; charset=utf-8", body.getBytes());
        });
    }
}
