package io.capstan.controllers.common;

import io.capstan.api.json.KubeJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Plain REST calls by path over the fabric8 client's HTTP connection, for objects of kinds
 * without a model class and for what the typed DSL cannot say: DELETE with uid and
 * resourceVersion preconditions, and the namespace {@code finalize} subresource. Failures
 * other than the documented 404 cases throw {@link KubernetesClientException} with the HTTP code.
 */
public final class ApiRequests {
    private static final long TIMEOUT_SECONDS = 30;
    private final HttpClient http;
    private final String base;

    public ApiRequests(KubernetesClient client) {
        this.http = client.getHttpClient();
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The object or list at {@code path}; empty on 404. */
    public Optional<JsonNode> get(String path) {
        HttpResponse<String> response = send(http.newHttpRequestBuilder().uri(base + path).build());
        if (response.code() == 404) {
            return Optional.empty();
        }
        return Optional.of(KubeJson.read(ok(path, response).getBytes(StandardCharsets.UTF_8)));
    }

    /** DELETE with {@code options} (a DeleteOptions body); false if the object was already gone. */
    public boolean delete(String path, ObjectNode options) {
        HttpResponse<String> response = send(http.newHttpRequestBuilder().uri(base + path)
                .method("DELETE", "application/json", KubeJson.string(options)).build());
        if (response.code() == 404) {
            return false;
        }
        ok(path, response);
        return true;
    }

    /** A JSON merge patch; false if the object was gone. */
    public boolean mergePatch(String path, ObjectNode patch) {
        HttpResponse<String> response = send(http.newHttpRequestBuilder().uri(base + path)
                .method("PATCH", "application/merge-patch+json", KubeJson.string(patch)).build());
        if (response.code() == 404) {
            return false;
        }
        ok(path, response);
        return true;
    }

    /** PUT {@code body}; false if the object was gone. */
    public boolean put(String path, JsonNode body) {
        HttpResponse<String> response = send(http.newHttpRequestBuilder().uri(base + path)
                .put("application/json", KubeJson.string(body)).build());
        if (response.code() == 404) {
            return false;
        }
        ok(path, response);
        return true;
    }

    /** A DeleteOptions body with the given propagation policy and preconditions (null ones left out). */
    public static ObjectNode deleteOptions(String propagationPolicy, String uid, String resourceVersion) {
        ObjectNode options = KubeJson.object();
        options.put("apiVersion", "v1");
        options.put("kind", "DeleteOptions");
        if (propagationPolicy != null) {
            options.put("propagationPolicy", propagationPolicy);
        }
        if (uid != null || resourceVersion != null) {
            ObjectNode pre = options.putObject("preconditions");
            if (uid != null) {
                pre.put("uid", uid);
            }
            if (resourceVersion != null) {
                pre.put("resourceVersion", resourceVersion);
            }
        }
        return options;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.sendAsync(request, String.class).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubernetesClientException("interrupted: " + request.method() + " " + request.uri(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new KubernetesClientException(request.method() + " " + request.uri() + ": " + e.getMessage(), e);
        }
    }

    private static String ok(String path, HttpResponse<String> response) {
        if (response.code() / 100 != 2) {
            String body = response.body() == null ? "" : response.body();
            String message = body;
            try {
                message = KubeJson.read(body.getBytes(StandardCharsets.UTF_8)).path("message").asText(body);
            } catch (RuntimeException unreadable) {
                // not a Status: keep the raw body as the message
            }
            throw new KubernetesClientException(path + ": " + message, response.code(), null);
        }
        return response.body();
    }
}
