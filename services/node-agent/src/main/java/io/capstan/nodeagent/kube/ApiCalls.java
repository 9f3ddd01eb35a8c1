package io.capstan.nodeagent.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Plain REST calls by path over the fabric8 client's HTTP connection, for what the typed DSL
 * cannot say (a DELETE with a uid precondition, merge patches of a status subresource) and for
 * the asynchronous requests of simulated nodes, which must not hold a thread each. Answers carry
 * the HTTP code, so callers decide what 404 and 409 mean; only transport failures throw.
 */
public final class ApiCalls {
    public static final String MERGE_PATCH = "application/merge-patch+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 30;

    private final HttpClient http;
    private final String base;

    /** An HTTP answer: the code and the body (a Status on errors). */
    public record Response(int code, String body) {
        public boolean ok() {
            return code / 100 == 2;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (Exception e) {
                return JSON.createObjectNode();
            }
        }

        /** The Status message of an error answer, else the body. */
        public String message() {
            String message = json().path("message").asText("");
            return message.isEmpty() ? body : message;
        }

        /** Throws the error as the fabric8 client would, for callers that treat it as a failure. */
        public Response orThrow(String what) {
            if (!ok()) {
                throw new KubernetesClientException(what + ": " + message(), code, null);
            }
            return this;
        }
    }

    public ApiCalls(KubernetesClient client) {
        this.http = client.getHttpClient();
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public CompletableFuture<Response> sendAsync(String method, String path, String contentType, String body) {
        HttpRequest.Builder request = http.newHttpRequestBuilder().uri(base + path).timeout(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!"GET".equals(method)) {
            request.method(method, contentType == null ? "application/json" : contentType, body == null ? "" : body);
        }
        return http.sendAsync(request.build(), String.class)
                .thenApply(r -> new Response(r.code(), r.body() == null ? "" : r.body()));
    }

    /** Sends and waits; a transport failure or timeout throws {@link KubernetesClientException}. */
    public Response send(String method, String path, String contentType, String body) {
        try {
            return sendAsync(method, path, contentType, body).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new KubernetesClientException(method + " " + path + ": " + cause.getMessage(), cause);
        }
    }

    public Response get(String path) {
        return send("GET", path, null, null);
    }

    public Response mergePatch(String path, String patch) {
        return send("PATCH", path, MERGE_PATCH, patch);
    }

    public Response put(String path, String body) {
        return send("PUT", path, "application/json", body);
    }

    public Response post(String path, String body) {
        return send("POST", path, "application/json", body);
    }

    public Response delete(String path, String deleteOptions) {
        return send("DELETE", path, "application/json", deleteOptions);
    }

    /** The kubelet's final delete of a pod: grace period 0, only if the uid is still the one it ran. */
    public static String finalDeleteOptions(String uid) {
        ObjectNode options = JSON.createObjectNode();
        options.put("apiVersion", "v1");
        options.put("kind", "DeleteOptions");
        options.put("gracePeriodSeconds", 0);
        options.putObject("preconditions").put("uid", uid);
        return options.toString();
    }

    public static String podPath(String namespace, String name) {
        return "/api/v1/namespaces/" + namespace + "/pods/" + name;
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
