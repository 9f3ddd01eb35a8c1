package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.registry.ResourceRegistry;
import io.capstan.api.registry.ResourceType;
import io.capstan.api.status.ApiException;
import io.capstan.printers.TablePrinter;
import io.capstan.store.StoreException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves {@code ?watch=1}: a chunked stream of WatchEvents from an etcd watch on the
 * resource's prefix, filtered by namespace, name and selectors. Without a resourceVersion (or
 * with {@code sendInitialEvents=true}) the current state comes first as ADDED events; watch-list
 * clients get the {@code k8s.io/initial-events-end} bookmark after it. A compacted
 * resourceVersion ends the stream with an ERROR event carrying 410 Expired, so informers relist.
 * Writes are marshalled onto the request's event loop to keep them ordered and thread-safe.
 */
final class WatchStreamer {
    private static final Logger LOG = Logger.getLogger(WatchStreamer.class);
    private static final Duration BOOKMARK_INTERVAL = Duration.ofSeconds(60);

    private final ResourceRegistry registry;
    private final ResourceStore store;
    private final ApiMetrics metrics;
    private final Duration minRequestTimeout;
    private final java.util.concurrent.ConcurrentHashMap<String, WatchCache> caches = new java.util.concurrent.ConcurrentHashMap<>();

    WatchStreamer(ResourceRegistry registry, ResourceStore store, ApiMetrics metrics, Duration minRequestTimeout) {
        this.registry = registry;
        this.store = store;
        this.metrics = metrics;
        this.minRequestTimeout = minRequestTimeout;
    }

    CompletableFuture<?> serve(RoutingContext ctx, ResourceType type, String namespace, String pathName, ListQuery query,
                               MediaTypes.Negotiated out) {
        String rv = ApiHandler.param(ctx, "resourceVersion");
        String sendInitial = ApiHandler.param(ctx, "sendInitialEvents");
        boolean bookmarks = "true".equals(ApiHandler.param(ctx, "allowWatchBookmarks"));
        boolean watchList = "true".equals(sendInitial);
        if (sendInitial != null && !sendInitial.isEmpty() && !"NotOlderThan".equals(query.resourceVersionMatch())) {
            throw ApiException.invalid("meta.k8s.io", "ListOptions", "", List.of(io.capstan.api.status.FieldError.forbidden(
                    "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")));
        }
        boolean initialEvents = watchList || ((sendInitial == null || sendInitial.isEmpty())
                && (rv == null || rv.isEmpty() || rv.equals("0")));
        String name = pathName != null ? pathName : query.fields().exactName();
        Duration timeout = timeout(ApiHandler.param(ctx, "timeoutSeconds"));

        Context vctx = ctx.vertx().getOrCreateContext();
        boolean websocket = "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"));
        if (websocket) {
            // fabric8 and browsers watch over a WebSocket: one WatchEvent per text message. As
            // kube-apiserver does, the starting point is fixed before the 101 goes out, so a client
            // that writes right after the upgrade always sees its own change.
            ctx.request().pause();
            DeferredSink sink = new DeferredSink();
            CompletableFuture<Void> opened = open(ctx, type, namespace, name, query, out, bookmarks, watchList, initialEvents,
                    rv, timeout, vctx, sink);
            sink.ready.thenRun(() -> vctx.runOnContext(v -> ctx.request().toWebSocket().onComplete(ar -> {
                if (ar.succeeded()) {
                    sink.attach(new WebSocketSink(ar.result()));
                } else {
                    sink.attach(null);
                }
            })));
            return opened;
        }
        return open(ctx, type, namespace, name, query, out, bookmarks, watchList, initialEvents, rv, timeout, vctx,
                new ChunkedSink(ctx.response()));
    }

    private CompletableFuture<Void> open(RoutingContext ctx, ResourceType type, String namespace, String name, ListQuery query,
                                         MediaTypes.Negotiated out, boolean bookmarks, boolean watchList, boolean initialEvents,
                                         String rv, Duration timeout, Context vctx, Sink sink) {
        Stream stream = new Stream(ctx, type, namespace, name, query, out, bookmarks, vctx, sink);

        CompletableFuture<Long> startRevision;
        if (initialEvents) {
            ListQuery all = new ListQuery(query.labels(), query.fields(), 0, null, null, null);
            startRevision = (name != null ? listOne(type, namespace, name, query) : store.list(type, namespace, all))
                    .thenApply(list -> {
                        stream.begin();
                        for (ObjectNode item : list.items()) {
                            stream.send("ADDED", item);
                        }
                        long revision = Long.parseLong(list.resourceVersion());
                        if (watchList) {
                            stream.bookmark(revision, true);
                        }
                        return revision;
                    });
        } else {
            long from = ResourceStore.parseRevision(rv);
            stream.begin();
            startRevision = CompletableFuture.completedFuture(from);
        }
        return startRevision.thenAccept(from -> {
            stream.lastRevision.set(from);
            ResourceType storageType = registry.storageType(type);
            String all = ResourceStore.prefix(storageType, null);
            WatchCache cache = caches.computeIfAbsent(all, p -> new WatchCache(store.etcd(), p));
            AutoCloseable watch = cache.subscribe(from, stream::onCached, stream::onError);
            if (watch == null) {
                String prefix = name != null ? ResourceStore.key(storageType, namespace, name)
                        : ResourceStore.prefix(storageType, namespace);
                // Too old for the shared cache: this watcher's own etcd watch, through the same event path.
                watch = store.etcd().watch(prefix, from,
                        events -> events.forEach(e -> stream.onCached(new WatchCache.CachedEvent(e))), stream::onError);
            }
            stream.watch = watch;
            if (stream.closed.get()) {
                stream.closeWatch();
            }
            metrics.watchStarted(type);
            long timer = ctx.vertx().setTimer(timeout.toMillis(), id -> stream.close());
            long bookmarkTimer = bookmarks ? ctx.vertx().setPeriodic(BOOKMARK_INTERVAL.toMillis(),
                    id -> stream.bookmark(stream.lastRevision.get(), false)) : -1;
            sink.onClose(stream::close);
            stream.onClose = () -> {
                ctx.vertx().cancelTimer(timer);
                if (bookmarkTimer >= 0) {
                    ctx.vertx().cancelTimer(bookmarkTimer);
                }
                metrics.watchEnded(type);
            };
            if (sink.closed()) {
                stream.close();
            }
        });
    }

    /** A named watch lists just that object: either it is there or nothing is sent. */
    private CompletableFuture<ListResult> listOne(ResourceType type, String namespace, String name, ListQuery query) {
        return store.etcd().currentRevision().thenCompose(rev -> store.get(type, namespace, name)
                .handle((obj, t) -> {
                    List<ObjectNode> items = obj != null && query.labels().matches(obj) && query.fields().matches(obj)
                            ? List.of(obj) : List.of();
                    long listRev = obj == null ? rev : Math.max(rev, Long.parseLong(KubeJson.text(obj, "metadata", "resourceVersion")));
                    if (t != null && !(t.getCause() instanceof ApiException ae && ae.code() == 404)) {
                        throw new java.util.concurrent.CompletionException(t.getCause() != null ? t.getCause() : t);
                    }
                    return new ListResult(items, String.valueOf(listRev), null, null);
                }));
    }

    private Duration timeout(String seconds) {
        if (seconds != null && !seconds.isEmpty()) {
            try {
                return Duration.ofSeconds(Math.max(1, Long.parseLong(seconds)));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("timeoutSeconds: Invalid value: \"" + seconds + "\": must be an integer");
            }
        }
        long base = minRequestTimeout.toMillis();
        return Duration.ofMillis(base + ThreadLocalRandom.current().nextLong(base + 1));
    }

    /** One open watch response. */
    private final class Stream {
        private final RoutingContext ctx;
        private final ResourceType type;
        private final ResourceType storageType;
        private final String namespace;
        private final String name;
        private final ListQuery query;
        /** The storage key of the watched object, or the prefix of the watched collection's keys. */
        private final String watchedKeys;
        private final MediaTypes.Negotiated out;
        /** Whether events go out as the stored bytes (JSON of the storage version), shared by every such watcher. */
        private final boolean storedBytes;
        private final boolean bookmarks;
        private final Context vctx;
        private final Sink sink;
        private final AtomicBoolean closed = new AtomicBoolean();
        final AtomicLong lastRevision = new AtomicLong();
        volatile AutoCloseable watch;
        volatile Runnable onClose;

        Stream(RoutingContext ctx, ResourceType type, String namespace, String name, ListQuery query,
               MediaTypes.Negotiated out, boolean bookmarks, Context vctx, Sink sink) {
            this.sink = sink;
            this.ctx = ctx;
            this.type = type;
            this.storageType = registry.storageType(type);
            this.namespace = namespace;
            this.name = name;
            this.query = query;
            this.watchedKeys = name != null ? ResourceStore.key(storageType, namespace, name) : ResourceStore.prefix(storageType, namespace);
            this.out = out;
            this.storedBytes = out.target() == MediaTypes.Target.OBJECT && type.servedInStorageVersion();
            this.bookmarks = bookmarks;
            this.vctx = vctx;
        }

        void begin() {
            sink.begin();
        }

        /** A change, from the shared watch cache or this watcher's own etcd watch: encoded bytes shared when possible. */
        void onCached(WatchCache.CachedEvent e) {
            if (closed.get()) {
                return;
            }
            if (!query.filters() && storedBytes) {
                onUnfiltered(e);
                return;
            }
            ObjectNode now = e.object();
            ObjectNode before = e.previous();
            boolean matchesNow = now != null && matches(now);
            boolean matchedBefore = before != null && matches(before);
            String eventType;
            ObjectNode payload;
            switch (e.type) {
                case ADDED -> {
                    eventType = matchesNow ? "ADDED" : null;
                    payload = now;
                }
                case MODIFIED -> {
                    if (matchesNow && (matchedBefore || before == null)) {
                        eventType = "MODIFIED";
                        payload = now;
                    } else if (matchesNow) {
                        eventType = "ADDED";
                        payload = now;
                    } else if (matchedBefore) {
                        eventType = "DELETED";
                        payload = before;
                    } else {
                        eventType = null;
                        payload = null;
                    }
                }
                default -> {
                    eventType = now != null && matchesNow ? "DELETED" : null;
                    payload = now;
                }
            }
            long revision = e.revision;
            if (eventType == null) {
                // Nothing queued for this watcher can be older, so a bookmark may move past it.
                lastRevision.set(revision);
                return;
            }
            if (storedBytes) {
                write(revision, e.encoded(eventType, payload == before));
                return;
            }
            ObjectNode converted = store.fromStorage(type, type.servedInStorageVersion() ? payload : payload.deepCopy());
            vctx.runOnContext(v -> {
                lastRevision.set(revision);
                send(eventType, converted);
            });
        }

        /**
         * Without selectors, whether a change is this watcher's is told by its storage key (the
         * namespace and name), and the event goes out as stored: nothing is decoded.
         */
        private void onUnfiltered(WatchCache.CachedEvent e) {
            long revision = e.revision;
            boolean mine = e.hasObject() && (name != null ? e.key.equals(watchedKeys) : e.key.startsWith(watchedKeys));
            if (!mine) {
                lastRevision.set(revision);
                return;
            }
            write(revision, e.encoded(e.type.name(), false));
        }

        /** Writes an encoded event on the stream's context, then lets bookmarks pass its revision. */
        private void write(long revision, byte[] bytes) {
            vctx.runOnContext(v -> {
                lastRevision.set(revision);
                if (!closed.get() && !sink.closed()) {
                    sink.write(bytes);
                }
            });
        }

        private boolean matches(ObjectNode obj) {
            if (namespace != null && !namespace.equals(KubeJson.text(obj, "metadata", "namespace"))) {
                return false;
            }
            if (name != null && !name.equals(KubeJson.text(obj, "metadata", "name"))) {
                return false;
            }
            return query.labels().matches(obj) && query.fields().matches(obj);
        }

        void send(String eventType, ObjectNode obj) {
            JsonNode payload = switch (out.target()) {
                case TABLE -> TablePrinter.table(type, List.of(obj), null, null, null,
                        ApiHandler.param(ctx, "includeObject"), Instant.now());
                case PARTIAL_METADATA -> ApiHandler.partial(obj);
                default -> obj;
            };
            write(eventType, payload);
        }

        void bookmark(long revision, boolean initialEventsEnd) {
            if (!bookmarks && !initialEventsEnd) {
                return;
            }
            ObjectNode obj = KubeJson.object();
            obj.put("kind", type.kind());
            obj.put("apiVersion", type.apiVersion());
            ObjectNode meta = obj.putObject("metadata");
            meta.put("resourceVersion", String.valueOf(revision));
            if (initialEventsEnd) {
                meta.putObject("annotations").put("k8s.io/initial-events-end", "true");
            }
            vctx.runOnContext(v -> write("BOOKMARK", obj));
        }

        private void write(String eventType, JsonNode payload) {
            if (closed.get() || sink.closed()) {
                return;
            }
            ObjectNode event = KubeJson.object();
            event.put("type", eventType);
            event.set("object", payload);
            sink.write(KubeJson.bytes(event));
        }

        void onError(StoreException e) {
            vctx.runOnContext(v -> {
                if (e instanceof StoreException.Expired expired) {
                    ApiException gone = ApiException.expired("too old resource version: " + lastRevision.get()
                            + " (" + expired.compactRevision() + ")");
                    write("ERROR", gone.toStatus());
                } else {
                    LOG.warnf("watch on %s ended: %s", type.qualifiedResource(), e.getMessage());
                    write("ERROR", ApiException.internal(e.getMessage()).toStatus());
                }
                close();
            });
        }

        void closeWatch() {
            AutoCloseable w = watch;
            if (w != null) {
                try {
                    w.close();
                } catch (Exception ignored) {
                    // the watch is gone either way
                }
            }
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            closeWatch();
            Runnable c = onClose;
            if (c != null) {
                c.run();
            }
            vctx.runOnContext(v -> sink.end());
        }
    }

    /** Where watch events go: a chunked HTTP response or a WebSocket. */
    private interface Sink {
        void begin();

        void write(byte[] event);

        void end();

        boolean closed();

        void onClose(Runnable r);
    }

    private record ChunkedSink(HttpServerResponse r) implements Sink {
        @Override
        public void begin() {
            r.setStatusCode(200);
            r.setChunked(true);
            r.putHeader("Content-Type", MediaTypes.JSON);
            r.putHeader("Cache-Control", "no-cache, private");
            r.write(Buffer.buffer());
        }

        @Override
        public void write(byte[] event) {
            r.write(Buffer.buffer(event.length + 1).appendBytes(event).appendByte((byte) '\n'));
        }

        @Override
        public void end() {
            if (!r.ended() && !r.closed()) {
                r.end();
            }
        }

        @Override
        public boolean closed() {
            return r.closed() || r.ended();
        }

        @Override
        public void onClose(Runnable c) {
            r.closeHandler(v -> c.run());
        }
    }

    /**
     * Buffers events until the WebSocket is up: {@link #begin()} marks the starting point fixed
     * ({@link #ready}), {@link #attach} connects the socket and flushes what was queued.
     */
    private static final class DeferredSink implements Sink {
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        private final java.util.List<byte[]> pending = new java.util.ArrayList<>();
        private final java.util.List<Runnable> closeHandlers = new java.util.ArrayList<>();
        private Sink target;
        private boolean failed;

        @Override
        public synchronized void begin() {
            ready.complete(null);
        }

        synchronized void attach(Sink socket) {
            if (socket == null) {
                failed = true;
                closeHandlers.forEach(Runnable::run);
                return;
            }
            target = socket;
            pending.forEach(socket::write);
            pending.clear();
            closeHandlers.forEach(socket::onClose);
        }

        @Override
        public synchronized void write(byte[] event) {
            if (target != null) {
                target.write(event);
            } else {
                pending.add(event);
            }
        }

        @Override
        public synchronized void end() {
            if (target != null) {
                target.end();
            }
        }

        @Override
        public synchronized boolean closed() {
            return failed || (target != null && target.closed());
        }

        @Override
        public synchronized void onClose(Runnable r) {
            if (target != null) {
                target.onClose(r);
            } else {
                closeHandlers.add(r);
            }
        }
    }

    private record WebSocketSink(io.vertx.core.http.ServerWebSocket ws) implements Sink {
        @Override
        public void begin() {
        }

        @Override
        public void write(byte[] event) {
            ws.writeTextMessage(new String(event, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void end() {
            if (!ws.isClosed()) {
                ws.close();
            }
        }

        @Override
        public boolean closed() {
            return ws.isClosed();
        }

        @Override
        public void onClose(Runnable c) {
            ws.closeHandler(v -> c.run());
        }
    }
}
