package io.capstan.apiserver;

import io.capstan.api.json.KubeJson;
import io.capstan.api.status.ApiException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.jboss.logging.Logger;

import java.util.List;

/** Writes JSON (or YAML) answers and Status errors; never a stack trace. */
final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class);

    private Responses() {
    }

    static void json(RoutingContext ctx, int status, JsonNode body) {
        json(ctx, status, body, false, List.of());
    }

    static void json(RoutingContext ctx, int status, JsonNode body, boolean yaml, List<String> warnings) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed()) {
            return;
        }
        for (String w : warnings) {
            r.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
        byte[] bytes;
        try {
            bytes = yaml ? KubeJson.YAML.writeValueAsBytes(body) : KubeJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            error(ctx, ApiException.internal("cannot encode the response: " + e.getOriginalMessage()));
            return;
        }
        r.setStatusCode(status);
        r.putHeader("Content-Type", yaml ? MediaTypes.YAML : MediaTypes.JSON);
        r.putHeader("Cache-Control", "no-cache, private");
        r.end(Buffer.buffer(bytes));
    }

    /** Writes JSON that is already encoded. */
    static void json(RoutingContext ctx, int status, Buffer json, List<String> warnings) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed()) {
            return;
        }
        for (String w : warnings) {
            r.headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
        r.setStatusCode(status);
        r.putHeader("Content-Type", MediaTypes.JSON);
        r.putHeader("Cache-Control", "no-cache, private");
        r.end(json);
    }

    static void raw(RoutingContext ctx, int status, String contentType, byte[] body) {
        HttpServerResponse r = ctx.response();
        if (r.ended() || r.closed()) {
            return;
        }
        r.setStatusCode(status);
        r.putHeader("Content-Type", contentType);
        r.end(Buffer.buffer(body));
    }

    /** Answers any failure as a Status; unexpected exceptions become 500 and are logged once. */
    static void error(RoutingContext ctx, Throwable t) {
        Throwable cause = ResourceStore.unwrap(t);
        ApiException api;
        if (cause instanceof ApiException ae) {
            api = ae;
        } else {
            LOG.errorf(cause, "unexpected failure serving %s %s", ctx.request().method(), ctx.request().uri());
            api = ApiException.internal(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        }
        if (api.retryAfterSeconds() != null) {
            ctx.response().putHeader("Retry-After", String.valueOf(api.retryAfterSeconds()));
        }
        json(ctx, api.code(), api.toStatus());
    }
}
